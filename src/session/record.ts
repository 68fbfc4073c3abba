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
import { open, seal, SUITE_OVERHEAD, SuiteId } from '../crypto/aead.js';
import { concat, u64be } from '../crypto/bytes.js';
import { localError, remoteError } from '../errors.js';
import { MAX_SEQUENCE } from '../limits.js';
import { encodeFrame, frameHeader, FrameType } from '../wire/frame.js';

/** Bytes of the sequence number at the start of a RECORD payload. */
export const SEQ_BYTES = 8;

/** Length of `sealed` for `n` bytes of inner plaintext (CBC pads to the next block). */
export function sealedLength(suite: SuiteId, n: number): number {
  if (suite === SuiteId.AES_256_CBC_HMAC_SHA256) return (Math.floor(n / 16) + 1) * 16 + 32;
  return n + SUITE_OVERHEAD[suite];
}

/** Seals `inner` as the record `seq`; returns the complete frame bytes. */
export function sealRecord(suite: SuiteId, material: Uint8Array, seq: number, inner: Uint8Array): Uint8Array {
  if (!Number.isSafeInteger(seq) || seq < 0 || seq > MAX_SEQUENCE) throw localError('LIMIT_REACHED', 'record sequence number exhausted');
  const seqBytes = u64be(seq);
  const length = SEQ_BYTES + sealedLength(suite, inner.length);
  const sealed = seal(suite, material, concat(frameHeader(FrameType.RECORD, length), seqBytes), inner);
  if (sealed.length + SEQ_BYTES !== length) throw localError('INTERNAL', 'sealed record length mismatch');
  return encodeFrame(FrameType.RECORD, concat(seqBytes, sealed)).raw;
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
  const aad = concat(frameHeader(FrameType.RECORD, payload.length), payload.subarray(0, SEQ_BYTES));
  return open(suite, material, aad, payload.subarray(SEQ_BYTES));
}
