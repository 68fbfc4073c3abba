/**
 * Frame codec (docs/PROTOCOL.md §3): version | type | length | payload | CRC-32.
 *
 * `FrameDecoder` is a pure, incremental decoder: feed it bytes as they arrive, get whole
 * frames back. The first error poisons it (the stream cannot be resynchronised), and every
 * error is a typed `SecureChatError`. The length is checked before anything is allocated.
 */
import { crc32 } from 'node:zlib';
import { FRAME_HEADER_BYTES, FRAME_TRAILER_BYTES, MAX_FRAME_PAYLOAD, PROTOCOL_VERSION } from '../limits.js';
import { remoteError, localError, type SecureChatError } from '../errors.js';
import { readU32 } from '../crypto/bytes.js';

export const FrameType = {
  CLIENT_HELLO: 0x01,
  SERVER_HELLO: 0x02,
  CLIENT_FINISH: 0x03,
  SERVER_FINISH: 0x04,
  ALERT: 0x05,
  /** Reconnect handshake (docs/PROTOCOL.md §10): Noise IKpsk2 message 1 and 2. */
  RECONNECT_HELLO: 0x06,
  RECONNECT_REPLY: 0x07,
  /** An invitation's login (docs/PROTOCOL.md §11): a ClientHello under its own frame type. */
  INVITE_HELLO: 0x08,
  /** The relay's channel (docs/RELAY.md §2): Noise NK message 1 and 2. */
  RELAY_HELLO: 0x09,
  RELAY_REPLY: 0x0a,
  RECORD: 0x10,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export function isFrameType(n: number): n is FrameType {
  return (n >= 0x01 && n <= 0x0a) || n === 0x10;
}

export interface Frame {
  readonly type: FrameType;
  readonly payload: Uint8Array;
  /** The complete frame as it was on the wire (header, payload, CRC): the transcript input. */
  readonly raw: Uint8Array;
}

/** The 6 header bytes of a frame of `type` carrying `length` payload bytes. */
export function frameHeader(type: FrameType, length: number): Uint8Array {
  const h = new Uint8Array(FRAME_HEADER_BYTES);
  writeFrameHeader(h, type, length);
  return h;
}

function writeU32(b: Uint8Array, off: number, n: number): void {
  b[off] = n >>> 24;
  b[off + 1] = (n >>> 16) & 0xff;
  b[off + 2] = (n >>> 8) & 0xff;
  b[off + 3] = n & 0xff;
}

/** Writes the 6 header bytes of a frame of `type` carrying `length` payload bytes at `b[0..6)`. */
export function writeFrameHeader(b: Uint8Array, type: FrameType, length: number): void {
  if (!Number.isInteger(length) || length < 0 || length > 0xffff_ffff) throw new RangeError('u32 out of range');
  b[0] = PROTOCOL_VERSION;
  b[1] = type;
  writeU32(b, 2, length);
}

/** Writes the CRC-32 of `raw[0 .. length-4)` into the last 4 bytes of `raw` (a complete frame). */
export function finishFrame(raw: Uint8Array): void {
  const end = raw.length - FRAME_TRAILER_BYTES;
  writeU32(raw, end, crc32(raw.subarray(0, end)) >>> 0);
}

/** Encodes one frame. Refuses (locally) an empty or oversize payload. */
export function encodeFrame(type: FrameType, payload: Uint8Array): Frame {
  if (payload.length === 0) throw localError('INTERNAL', 'refusing to encode an empty frame');
  if (payload.length > MAX_FRAME_PAYLOAD) throw localError('INTERNAL', 'refusing to encode an oversize frame');
  const raw = new Uint8Array(FRAME_HEADER_BYTES + payload.length + FRAME_TRAILER_BYTES);
  writeFrameHeader(raw, type, payload.length);
  raw.set(payload, FRAME_HEADER_BYTES);
  finishFrame(raw);
  return { type, payload: raw.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + payload.length), raw };
}

/** Checks a 6-byte header; returns the payload length or throws the §3 error. */
function checkHeader(h: Uint8Array): { type: FrameType; length: number } {
  if (h[0] !== PROTOCOL_VERSION) throw remoteError('FRAME_MALFORMED', `unknown frame version ${String(h[0])}`);
  const type = h[1] ?? -1;
  if (!isFrameType(type)) throw remoteError('FRAME_MALFORMED', `unknown frame type ${String(type)}`);
  const length = readU32(h, 2);
  if (length === 0) throw remoteError('FRAME_MALFORMED', 'empty frame');
  if (length > MAX_FRAME_PAYLOAD) throw remoteError('FRAME_TOO_LARGE', `frame of ${length} bytes exceeds the limit`);
  return { type, length };
}

/**
 * Incremental decoder. Not safe for concurrent use (there is none in JS); its zero state is
 * ready to use. After it has thrown once, every further call throws the same error.
 *
 * A frame that arrived inside one pushed chunk is returned as a view of that chunk (no copy):
 * callers hand over chunks they no longer modify (a socket's chunks are fresh buffers). A
 * frame split across chunks is copied, as its bytes arrive, into one buffer of exactly the
 * announced size, allocated once its 6 header bytes are known (and checked): the decoder
 * never keeps a pushed chunk after `push` returns, so however the peer splits a frame (one
 * byte per TCP segment, each arriving in its own 64 KiB socket buffer), what it holds is that
 * one buffer plus at most 5 header bytes.
 */
export class FrameDecoder {
  /** The split header being assembled (`#hdrFill` of 6 bytes known). */
  readonly #hdr = new Uint8Array(FRAME_HEADER_BYTES);
  #hdrFill = 0;
  /** The split frame being assembled: header, payload, CRC; `#fill` bytes written. */
  #partial: Uint8Array | null = null;
  #fill = 0;
  #partialType: FrameType = FrameType.RECORD;
  #failed: SecureChatError | null = null;
  #ended = false;

  /** Bytes received but not yet returned as a frame. */
  get buffered(): number {
    return this.#partial === null ? this.#hdrFill : this.#fill;
  }

  /** Bytes this decoder holds in memory for an incomplete frame (the announced size once known). */
  get retainedBytes(): number {
    return this.#partial === null ? this.#hdrFill : this.#partial.length;
  }

  /** Appends received bytes; returns every frame now complete, in order. */
  push(bytes: Uint8Array): Frame[] {
    if (this.#failed) throw this.#failed;
    if (this.#ended) throw localError('INTERNAL', 'push after end');
    const out: Frame[] = [];
    try {
      let off = 0;
      while (off < bytes.length) off = this.#step(bytes, off, out);
    } catch (e) {
      this.#failed = e as SecureChatError;
      this.#partial = null;
      this.#fill = 0;
      this.#hdrFill = 0;
      throw e;
    }
    return out;
  }

  /** The stream ended. Throws `FRAME_TRUNCATED` if a partial frame is pending. */
  end(): void {
    if (this.#failed) throw this.#failed;
    this.#ended = true;
    const pending = this.buffered;
    if (pending > 0) {
      this.#partial = null;
      this.#failed = remoteError('FRAME_TRUNCATED', `stream ended inside a frame (${pending} bytes pending)`);
      throw this.#failed;
    }
  }

  /** Consumes bytes from `b[off..]`, pushing any completed frame; returns the new offset. */
  #step(b: Uint8Array, off: number, out: Frame[]): number {
    const partial = this.#partial;
    if (partial !== null) {
      const take = Math.min(partial.length - this.#fill, b.length - off);
      partial.set(b.subarray(off, off + take), this.#fill);
      this.#fill += take;
      if (this.#fill === partial.length) {
        this.#partial = null;
        this.#fill = 0;
        out.push(finish(this.#partialType, partial));
      }
      return off + take;
    }
    if (this.#hdrFill > 0 || b.length - off < FRAME_HEADER_BYTES) {
      // A header split across chunks: gather its 6 bytes first.
      const take = Math.min(FRAME_HEADER_BYTES - this.#hdrFill, b.length - off);
      this.#hdr.set(b.subarray(off, off + take), this.#hdrFill);
      this.#hdrFill += take;
      if (this.#hdrFill === FRAME_HEADER_BYTES) {
        this.#hdrFill = 0;
        this.#begin(this.#hdr, this.#hdr);
      }
      return off + take;
    }
    const { type, length } = checkHeader(b.subarray(off, off + FRAME_HEADER_BYTES));
    const total = FRAME_HEADER_BYTES + length + FRAME_TRAILER_BYTES;
    if (b.length - off >= total) {
      out.push(finish(type, b.subarray(off, off + total))); // whole frame in this chunk: a view
      return off + total;
    }
    this.#begin(b.subarray(off, off + FRAME_HEADER_BYTES), null);
    return off + FRAME_HEADER_BYTES;
  }

  /** A split frame's header is known: allocate its buffer (after the header checks). */
  #begin(header: Uint8Array, scratch: Uint8Array | null): void {
    const { type, length } = checkHeader(header);
    const buf = new Uint8Array(FRAME_HEADER_BYTES + length + FRAME_TRAILER_BYTES);
    buf.set(header);
    scratch?.fill(0);
    this.#partial = buf;
    this.#partialType = type;
    this.#fill = FRAME_HEADER_BYTES;
  }
}

/** Checks the CRC of a complete frame `raw` and returns it as a Frame. */
function finish(type: FrameType, raw: Uint8Array): Frame {
  const end = raw.length - FRAME_TRAILER_BYTES;
  const want = readU32(raw, end);
  if ((crc32(raw.subarray(0, end)) >>> 0) !== want) throw remoteError('FRAME_CORRUPT', 'frame CRC-32 mismatch (line corruption)');
  return { type, payload: raw.subarray(FRAME_HEADER_BYTES, end), raw };
}

/** Decodes exactly one complete frame from `bytes` (for vectors and tests). */
export function decodeOneFrame(bytes: Uint8Array): Frame {
  const d = new FrameDecoder();
  const frames = d.push(bytes);
  d.end();
  const f = frames[0];
  if (frames.length !== 1 || f === undefined) throw remoteError('FRAME_MALFORMED', 'expected exactly one frame');
  return f;
}
