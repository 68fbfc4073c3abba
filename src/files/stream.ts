/**
 * STREAM (Hoang, Reyhanitabar, Rogaway, Vizár, "Online Authenticated-Encryption and its
 * Nonce-Reuse Misuse-Resistance", CRYPTO 2015), instantiated as age does it
 * (age-encryption.org/v1, "payload"): AES-256-GCM here instead of ChaCha20-Poly1305, the
 * 12-byte nonce = chunk counter (11 bytes, big-endian) || last-chunk flag (0x01 on the last
 * chunk, else 0x00), empty associated data, a fresh random key per file (docs/FILES.md §3).
 *
 * The counter is implicit: the opener counts, so a reordered, dropped or duplicated chunk is
 * opened under the wrong nonce and fails (FILE_CHUNK_AUTH); a stream that ends before a chunk
 * flagged last is FILE_TRUNCATED; anything after the last chunk is FILE_CHUNK_ORDER. Every
 * chunk but the last is exactly `chunkSize` bytes of plaintext; the last is 1..chunkSize bytes,
 * or 0 bytes only when the whole file is empty.
 */
import { aesGcmOpen, aesGcmSeal } from '../crypto/aead.js';
import { wipe } from '../crypto/bytes.js';
import { remoteError, localError } from '../errors.js';
import { CHUNK_TAG_BYTES, FILE_KEY_BYTES } from './limits.js';

const EMPTY = new Uint8Array(0);
/** The counter is 88 bits; a file never has more than 2^53 chunks (sizes are safe integers). */
export function streamNonce(index: number, last: boolean): Uint8Array {
  if (!Number.isSafeInteger(index) || index < 0) throw localError('INTERNAL', 'chunk index out of range');
  const n = new Uint8Array(12);
  let v = index;
  for (let i = 10; i >= 0 && v > 0; i--) {
    n[i] = v % 256;
    v = Math.floor(v / 256);
  }
  n[11] = last ? 1 : 0;
  return n;
}

/** Number of chunks of a file of `size` bytes (an empty file is one empty chunk). */
export function chunkCount(size: number, chunkSize: number): number {
  return size === 0 ? 1 : Math.ceil(size / chunkSize);
}

/** Plaintext bytes of chunk `index` of a file of `size` bytes. */
export function chunkPlainLength(size: number, chunkSize: number, index: number): number {
  const n = chunkCount(size, chunkSize);
  if (index < 0 || index >= n) throw localError('INTERNAL', 'chunk index past the end of the file');
  return index < n - 1 ? chunkSize : size - (n - 1) * chunkSize;
}

/** Sealed bytes of chunk `index` (plaintext + tag). */
export function chunkSealedLength(size: number, chunkSize: number, index: number): number {
  return chunkPlainLength(size, chunkSize, index) + CHUNK_TAG_BYTES;
}

export function sealChunk(key: Uint8Array, index: number, last: boolean, plain: Uint8Array): Uint8Array {
  if (key.length !== FILE_KEY_BYTES) throw localError('INTERNAL', 'a file key is 32 bytes');
  return aesGcmSeal(key, streamNonce(index, last), EMPTY, plain);
}

/** Opens one chunk at a known position; FILE_CHUNK_AUTH when it is not that chunk, unaltered. */
export function openChunk(key: Uint8Array, index: number, last: boolean, sealed: Uint8Array): Uint8Array {
  const p = aesGcmOpen(key, streamNonce(index, last), EMPTY, sealed);
  if (p === null) throw remoteError('FILE_CHUNK_AUTH', `chunk ${index} does not authenticate (altered, reordered, duplicated or dropped)`);
  return p;
}

/** Seals a whole plaintext (tests and vectors; the sender seals chunk by chunk from the file). */
export function sealStream(key: Uint8Array, chunkSize: number, plain: Uint8Array): Uint8Array[] {
  const n = chunkCount(plain.length, chunkSize);
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) out.push(sealChunk(key, i, i === n - 1, plain.subarray(i * chunkSize, Math.min(plain.length, (i + 1) * chunkSize))));
  return out;
}

/**
 * The opening side with the counter kept here, knowing neither the count nor the size (as age
 * reads a stream): a full-length chunk is tried as "not last" first, a shorter one only as last.
 */
export class StreamOpener {
  readonly #key: Uint8Array;
  readonly #chunkSize: number;
  #next = 0;
  #ended = false;

  constructor(key: Uint8Array, chunkSize: number) {
    this.#key = Uint8Array.from(key);
    this.#chunkSize = chunkSize;
  }

  get position(): number {
    return this.#next;
  }

  get ended(): boolean {
    return this.#ended;
  }

  open(sealed: Uint8Array): Uint8Array {
    if (this.#ended) throw remoteError('FILE_CHUNK_ORDER', 'a chunk after the last one');
    const plainLen = sealed.length - CHUNK_TAG_BYTES;
    if (plainLen < 0 || plainLen > this.#chunkSize) throw remoteError('FILE_CHUNK_AUTH', `a sealed chunk of ${sealed.length} bytes`);
    const index = this.#next;
    let p: Uint8Array | null = null;
    if (plainLen === this.#chunkSize) p = aesGcmOpen(this.#key, streamNonce(index, false), EMPTY, sealed);
    if (p === null) {
      // A last chunk is empty only when it is the first (an empty file).
      if (plainLen === 0 && index > 0) throw remoteError('FILE_CHUNK_AUTH', 'an empty last chunk after data');
      p = aesGcmOpen(this.#key, streamNonce(index, true), EMPTY, sealed);
      if (p === null) throw remoteError('FILE_CHUNK_AUTH', `chunk ${index} does not authenticate`);
      this.#ended = true;
    }
    this.#next++;
    return p;
  }

  /** The stream ended here: FILE_TRUNCATED unless the last chunk was seen. */
  finish(): void {
    if (!this.#ended) throw remoteError('FILE_TRUNCATED', `the stream ended after ${this.#next} chunks without its last chunk`);
    wipe(this.#key);
  }
}
