/**
 * Positions in a transfer (docs/FILES.md §4.2): chunk `chunk` of file `file`, ordered file by
 * file; (count, 0) is the end. Each position has an ordinal (chunks before it), so that a
 * window and a resume point are plain numbers.
 */
import { remoteError } from '../errors.js';
import type { Manifest } from './manifest.js';
import type { Position } from './messages.js';
import { chunkCount } from './stream.js';

export class TransferPlan {
  readonly manifest: Manifest;
  /** starts[i] = ordinal of chunk 0 of file i; starts[count] = total chunks. */
  readonly #starts: number[];

  constructor(manifest: Manifest) {
    this.manifest = manifest;
    this.#starts = [0];
    for (const e of manifest.entries) this.#starts.push((this.#starts.at(-1) ?? 0) + chunkCount(e.size, manifest.chunkSize));
  }

  get totalChunks(): number {
    return this.#starts.at(-1) ?? 0;
  }

  get end(): Position {
    return { file: this.manifest.entries.length, chunk: 0 };
  }

  chunksOf(file: number): number {
    return (this.#starts[file + 1] ?? 0) - (this.#starts[file] ?? 0);
  }

  /** Ordinal of `p`; FILE_CHUNK_ORDER when `p` is not a position of this transfer. */
  ordinal(p: Position): number {
    const count = this.manifest.entries.length;
    if (p.file === count && p.chunk === 0) return this.totalChunks;
    if (p.file < 0 || p.file >= count || p.chunk < 0 || p.chunk >= this.chunksOf(p.file)) throw remoteError('FILE_CHUNK_ORDER', `no chunk ${p.chunk} of file ${p.file} in this transfer`);
    return (this.#starts[p.file] ?? 0) + p.chunk;
  }

  /** The position after `p`. */
  next(p: Position): Position {
    return p.chunk + 1 < this.chunksOf(p.file) ? { file: p.file, chunk: p.chunk + 1 } : { file: p.file + 1, chunk: 0 };
  }

  /** Plaintext bytes before position `p` (for progress). */
  bytesBefore(p: Position): number {
    let n = 0;
    const cs = this.manifest.chunkSize;
    for (let i = 0; i < p.file; i++) n += this.manifest.entries[i]?.size ?? 0;
    const e = this.manifest.entries[p.file];
    if (e !== undefined) n += Math.min(e.size, p.chunk * cs);
    return n;
  }
}
