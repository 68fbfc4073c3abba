/**
 * The receiving side of one transfer, sans I/O (docs/FILES.md §5): CHUNK fragments in, whole
 * verified chunks of plaintext out, strictly in order. The adapter writes each chunk out and
 * records the new position; after a restart it feeds back what is already on disk (for the
 * file's SHA-256) and continues from there.
 *
 * Refused, with the transfer over: a fragment of another chunk than the next one, or at
 * another offset than the bytes so far, or past the chunk's sealed length (a size that lies)
 * — FILE_CHUNK_ORDER; a chunk that does not open under its STREAM nonce — FILE_CHUNK_AUTH; a
 * file whose plaintext does not hash to its manifest entry — FILE_HASH_MISMATCH.
 */
import { createHash, type Hash } from 'node:crypto';
import { ctEqual } from '../crypto/bytes.js';
import { localError, remoteError, type SecureChatError } from '../errors.js';
import type { Manifest } from './manifest.js';
import type { Position } from './messages.js';
import { TransferPlan } from './plan.js';
import { chunkPlainLength, chunkSealedLength, openChunk } from './stream.js';

export interface VerifiedChunk {
  readonly at: Position;
  readonly plain: Uint8Array;
  /** Byte offset of this chunk in its file. */
  readonly offset: number;
  /** The last chunk of its file (whose hash was checked). */
  readonly fileDone: boolean;
  /** The last chunk of the transfer. */
  readonly transferDone: boolean;
}

export class ReceiveMachine {
  readonly plan: TransferPlan;
  #at: Position;
  #buf: Uint8Array | null = null;
  #got = 0;
  #hash: Hash;
  #hashed = 0;
  #failed: SecureChatError | null = null;

  constructor(manifest: Manifest, start: Position) {
    this.plan = new TransferPlan(manifest);
    this.plan.ordinal(start); // a position of this transfer
    this.#at = start;
    this.#hash = createHash('sha256');
  }

  get position(): Position {
    return this.#at;
  }

  get done(): boolean {
    return this.#at.file === this.plan.manifest.entries.length;
  }

  /** Bytes of the current file already stored before `start` (in order, from offset 0), for its hash. */
  feedStored(plain: Uint8Array): void {
    if (this.#got !== 0 || this.done) throw localError('INTERNAL', 'stored bytes are fed before any chunk');
    this.#hash.update(plain);
    this.#hashed += plain.length;
  }

  /** Bytes of the current file that must already be stored (chunks before the position). */
  get storedBytes(): number {
    return this.#at.chunk * this.plan.manifest.chunkSize;
  }

  /** One fragment; returns the chunk once it is whole and verified. */
  onFragment(at: Position, offset: number, data: Uint8Array): VerifiedChunk | null {
    if (this.#failed !== null) throw this.#failed;
    try {
      return this.#onFragment(at, offset, data);
    } catch (e) {
      this.#failed = e as SecureChatError;
      this.#buf = null;
      throw e;
    }
  }

  #onFragment(at: Position, offset: number, data: Uint8Array): VerifiedChunk | null {
    if (this.done) throw remoteError('FILE_CHUNK_ORDER', 'a chunk after the end of the transfer');
    if (at.file !== this.#at.file || at.chunk !== this.#at.chunk) {
      throw remoteError('FILE_CHUNK_ORDER', `chunk ${at.chunk} of file ${at.file} where chunk ${this.#at.chunk} of file ${this.#at.file} was due`);
    }
    if (this.#hashed !== this.storedBytes) throw localError('INTERNAL', 'the stored part of the file was not fed back');
    const entry = this.plan.manifest.entries[at.file];
    if (entry === undefined) throw localError('INTERNAL', 'no such file');
    const cs = this.plan.manifest.chunkSize;
    const sealedLen = chunkSealedLength(entry.size, cs, at.chunk);
    if (offset !== this.#got) throw remoteError('FILE_CHUNK_ORDER', `a fragment at offset ${offset} where ${this.#got} was due`);
    if (this.#got + data.length > sealedLen) throw remoteError('FILE_CHUNK_ORDER', `chunk ${at.chunk} of file ${at.file} is longer than its ${sealedLen} sealed bytes (the size in the manifest is ${entry.size})`);
    this.#buf ??= new Uint8Array(sealedLen);
    this.#buf.set(data, this.#got);
    this.#got += data.length;
    if (this.#got < sealedLen) return null;
    const lastOfFile = at.chunk === this.plan.chunksOf(at.file) - 1;
    const plain = openChunk(entry.key, at.chunk, lastOfFile, this.#buf);
    if (plain.length !== chunkPlainLength(entry.size, cs, at.chunk)) throw localError('INTERNAL', 'chunk length');
    this.#hash.update(plain);
    this.#hashed += plain.length;
    if (lastOfFile) {
      const digest = new Uint8Array(this.#hash.digest());
      if (!ctEqual(digest, entry.sha256)) throw remoteError('FILE_HASH_MISMATCH', `${entry.path} does not match its SHA-256 in the manifest`);
      this.#hash = createHash('sha256');
      this.#hashed = 0;
    }
    this.#buf = null;
    this.#got = 0;
    const offsetInFile = at.chunk * cs;
    this.#at = this.plan.next(at);
    return { at, plain, offset: offsetInFile, fileDone: lastOfFile, transferDone: this.done };
  }
}
