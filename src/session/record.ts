/**
 * Sealing and opening one RECORD frame (docs/PROTOCOL.md §6.3):
 *
 *   payload = seq:u64 || sealed
 *   sealed  = Seal(suite, material(seq), aad = header || seq, inner)
 *
 * `header` is the frame's own 6 header bytes, so the version, type and length are
 * authenticated along with the sequence number. These functions are pure and keyless beyond
 * the `material` they are given; sequence checks and chain bookkeeping live in session.ts.
 */
import { open, plaintextLength, sealedLength as aeadSealedLength, sealInto, type Plaintext, type SuiteId } from '../crypto/aead.js';
import { localError, remoteError } from '../errors.js';
import { FRAME_HEADER_BYTES, FRAME_TRAILER_BYTES, MAX_FRAME_PAYLOAD, MAX_SEQUENCE } from '../limits.js';
import { finishFrame, FrameType, writeFrameHeader } from '../wire/frame.js';

/** Bytes of the sequence number at the start of a RECORD payload. */
export const SEQ_BYTES = 8;

/** Length of `sealed` for `n` bytes of inner plaintext (CBC pads to the next block). */
export function sealedLength(suite: SuiteId, n: number): number {
  return aeadSealedLength(suite, n);
}

/** header (6) || seq (8): the associated data of a record, and the first 14 bytes of its frame. */
const AAD_BYTES = FRAME_HEADER_BYTES + SEQ_BYTES;

function writeSeq(b: Uint8Array, off: number, seq: number): void {
  // seq ≤ 2^53-1: the high word is below 2^21, so both halves fit exactly in 32-bit integers.
  const hi = Math.floor(seq / 0x1_0000_0000);
  const lo = seq >>> 0;
  b[off] = hi >>> 24;
  b[off + 1] = (hi >>> 16) & 0xff;
  b[off + 2] = (hi >>> 8) & 0xff;
  b[off + 3] = hi & 0xff;
  b[off + 4] = lo >>> 24;
  b[off + 5] = (lo >>> 16) & 0xff;
  b[off + 6] = (lo >>> 8) & 0xff;
  b[off + 7] = lo & 0xff;
}

/**
 * Seals `inner` as the record `seq`; returns the complete frame bytes. The frame is built in
 * one buffer: header || seq || sealed (written in place by the AEAD) || crc.
 */
export function sealRecord(suite: SuiteId, material: Uint8Array, seq: number, inner: Plaintext): Uint8Array {
  if (!Number.isSafeInteger(seq) || seq < 0 || seq > MAX_SEQUENCE) throw localError('LIMIT_REACHED', 'record sequence number exhausted');
  const length = SEQ_BYTES + sealedLength(suite, plaintextLength(inner));
  if (length > MAX_FRAME_PAYLOAD) throw localError('INTERNAL', 'refusing to encode an oversize frame');
  // Every byte is written below (a failure discards the buffer), so it needs no zero fill.
  const b = Buffer.allocUnsafeSlow(FRAME_HEADER_BYTES + length + FRAME_TRAILER_BYTES);
  const raw = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  writeFrameHeader(raw, FrameType.RECORD, length);
  writeSeq(raw, FRAME_HEADER_BYTES, seq);
  try {
    sealInto(suite, material, raw.subarray(0, AAD_BYTES), inner, raw.subarray(AAD_BYTES, FRAME_HEADER_BYTES + length));
  } catch (e) {
    if (e instanceof RangeError && e.message === 'sealed length mismatch') throw localError('INTERNAL', 'sealed record length mismatch');
    throw e;
  }
  finishFrame(raw);
  return raw;
}

/**
 * The sequence number of a RECORD payload, as a bigint so that a value above 2^53-1 (which
 * no honest sender produces) still compares as "ahead" rather than being misread.
 */
export function recordSeq(payload: Uint8Array): bigint {
  if (payload.length < SEQ_BYTES) throw remoteError('DECODE_ERROR', 'record shorter than its sequence number');
  return new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getBigUint64(0, false);
}

/** Opens a RECORD payload whose sequence number was already checked; `AUTH_FAILED` on any alteration. */
export function openRecord(suite: SuiteId, material: Uint8Array, payload: Uint8Array): Uint8Array {
  const aad = new Uint8Array(AAD_BYTES);
  writeFrameHeader(aad, FrameType.RECORD, payload.length);
  aad.set(payload.subarray(0, SEQ_BYTES), FRAME_HEADER_BYTES);
  return open(suite, material, aad, payload.subarray(SEQ_BYTES));
}
