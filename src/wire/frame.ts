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
  RECORD: 0x10,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export function isFrameType(n: number): n is FrameType {
  return (n >= 0x01 && n <= 0x07) || n === 0x10;
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
 * frame split across chunks is assembled in one copy. Each chunk is dropped from the queue
 * once, so many small chunks cost O(n), not O(n²).
 */
export class FrameDecoder {
  /** Pending chunks; the first live one is `#chunks[#head]`, of which `#off` bytes are consumed. */
  #chunks: Uint8Array[] = [];
  #head = 0;
  #off = 0;
  #buffered = 0;
  #failed: SecureChatError | null = null;
  #ended = false;

  /** Bytes received but not yet returned as a frame. */
  get buffered(): number {
    return this.#buffered;
  }

  /** Appends received bytes; returns every frame now complete, in order. */
  push(bytes: Uint8Array): Frame[] {
    if (this.#failed) throw this.#failed;
    if (this.#ended) throw localError('INTERNAL', 'push after end');
    if (bytes.length > 0) {
      this.#chunks.push(bytes);
      this.#buffered += bytes.length;
    }
    const out: Frame[] = [];
    try {
      for (;;) {
        const f = this.#next();
        if (f === null) break;
        out.push(f);
      }
    } catch (e) {
      this.#failed = e as SecureChatError;
      this.#chunks = [];
      this.#head = 0;
      this.#off = 0;
      this.#buffered = 0;
      throw e;
    }
    return out;
  }

  /** The stream ended. Throws `FRAME_TRUNCATED` if a partial frame is pending. */
  end(): void {
    if (this.#failed) throw this.#failed;
    this.#ended = true;
    if (this.#buffered > 0) {
      this.#failed = remoteError('FRAME_TRUNCATED', `stream ended inside a frame (${this.#buffered} bytes pending)`);
      throw this.#failed;
    }
  }

  /** The first `n` buffered bytes (n ≤ buffered): a view when they lie in one chunk, else a copy. */
  #peek(n: number): Uint8Array {
    const first = this.#chunks[this.#head];
    if (first !== undefined && first.length - this.#off >= n) return first.subarray(this.#off, this.#off + n);
    const out = new Uint8Array(n);
    let o = 0;
    let skip = this.#off;
    for (let i = this.#head; i < this.#chunks.length && o < n; i++) {
      const c = this.#chunks[i];
      if (c === undefined) break;
      const take = Math.min(c.length - skip, n - o);
      out.set(c.subarray(skip, skip + take), o);
      o += take;
      skip = 0;
    }
    return out;
  }

  /** Removes and returns the first `n` buffered bytes (see #peek for when this copies). */
  #consume(n: number): Uint8Array {
    const out = this.#peek(n);
    let left = n;
    while (left > 0) {
      const c = this.#chunks[this.#head];
      if (c === undefined) break;
      const avail = c.length - this.#off;
      if (avail <= left) {
        this.#chunks[this.#head] = EMPTY;
        this.#head++;
        this.#off = 0;
        left -= avail;
      } else {
        this.#off += left;
        left = 0;
      }
    }
    this.#buffered -= n;
    if (this.#head === this.#chunks.length) {
      this.#chunks = [];
      this.#head = 0;
    } else if (this.#head >= 64 && this.#head * 2 >= this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
    return out;
  }

  #next(): Frame | null {
    if (this.#buffered < FRAME_HEADER_BYTES) return null;
    const { type, length } = checkHeader(this.#peek(FRAME_HEADER_BYTES));
    const total = FRAME_HEADER_BYTES + length + FRAME_TRAILER_BYTES;
    if (this.#buffered < total) return null;
    const raw = this.#consume(total);
    const body = raw.subarray(0, FRAME_HEADER_BYTES + length);
    const want = readU32(raw, FRAME_HEADER_BYTES + length);
    if ((crc32(body) >>> 0) !== want) throw remoteError('FRAME_CORRUPT', 'frame CRC-32 mismatch (line corruption)');
    return { type, payload: raw.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length), raw };
  }
}

const EMPTY = new Uint8Array(0);

/** Decodes exactly one complete frame from `bytes` (for vectors and tests). */
export function decodeOneFrame(bytes: Uint8Array): Frame {
  const d = new FrameDecoder();
  const frames = d.push(bytes);
  d.end();
  const f = frames[0];
  if (frames.length !== 1 || f === undefined) throw remoteError('FRAME_MALFORMED', 'expected exactly one frame');
  return f;
}
