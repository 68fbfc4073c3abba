/**
 * Transfers on disk (docs/FILES.md §5.3): one JSON record per transfer in the local user's
 * `files/` folder of the home (0700, records 0600, written atomically), holding the manifest
 * (with its keys), who the peer is, the state and, for a sender, where the files are and the
 * SHA-256 of every chunk (`ID.chunks`, 32 bytes each), checked before each chunk is sealed, so
 * that a chunk index is never sealed over different bytes (no nonce reuse, FILE_CHANGED).
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { fromHex, toHex } from '../crypto/bytes.js';
import { localError } from '../errors.js';
import { atomicWriteFile, ensurePrivateDir, readFileIfExists } from '../fs/private-files.js';
import { userDir } from '../identity/home.js';
import type { Target } from '../app/target.js';
import { decodeManifest, type Manifest } from './manifest.js';
import { MAX_KEPT_TRANSFERS, MAX_TRANSFER_RECORD_BYTES } from './limits.js';
import type { Position } from './messages.js';

export type TransferState = 'offered' | 'waiting' | 'sending' | 'receiving' | 'done' | 'declined' | 'cancelled' | 'failed';
export const FINISHED: ReadonlySet<TransferState> = new Set(['done', 'declined', 'cancelled', 'failed']);

export interface TransferRecord {
  readonly id: string;
  readonly direction: 'out' | 'in';
  readonly peer: string;
  readonly manifest: string;
  readonly createdAt: string;
  state: TransferState;
  /** For a sender: the chunks the receiver acknowledged; for a receiver: the verified, stored ones. */
  position: Position;
  error?: { code: string; sentence: string };
  /** Sender: the contact's listener, and the files (absolute paths) with their size and mtime at hashing. */
  target?: Target;
  sources?: { path: string; size: number; mtimeMs: number }[];
  /** Receiver: the folder it writes into, and each file's final name below it once it is in place. */
  into?: string;
  saved?: (string | null)[];
  updatedAt?: string;
  /** Chunks sent (sender) or stored (receiver) on the last conversation, for the resume's accounting. */
  lastRunChunks?: number;
}


export class TransferStore {
  readonly #dir: string;

  constructor(home: string, as: string) {
    this.#dir = join(userDir(home, as), 'files');
  }

  get dir(): string {
    return this.#dir;
  }

  chunksPath(id: string): string {
    return join(this.#dir, `${id}.chunks`);
  }

  async save(r: TransferRecord): Promise<void> {
    await ensurePrivateDir(this.#dir);
    r.updatedAt = new Date().toISOString();
    await atomicWriteFile(join(this.#dir, `${r.id}.json`), new TextEncoder().encode(JSON.stringify(r)));
  }

  async load(id: string): Promise<TransferRecord | undefined> {
    if (!/^[0-9a-f]{32}$/.test(id)) return undefined;
    const b = await readFileIfExists(join(this.#dir, `${id}.json`), MAX_TRANSFER_RECORD_BYTES);
    if (b === undefined) return undefined;
    try {
      return JSON.parse(new TextDecoder().decode(b)) as TransferRecord;
    } catch (e) {
      throw localError('STORAGE_ERROR', `the transfer record ${id} cannot be read`, e);
    }
  }

  async list(): Promise<TransferRecord[]> {
    let names: string[];
    try {
      names = await fsp.readdir(this.#dir);
    } catch {
      return [];
    }
    const out: TransferRecord[] = [];
    for (const n of names) {
      const m = /^([0-9a-f]{32})\.json$/.exec(n);
      if (m?.[1] === undefined) continue;
      const r = await this.load(m[1]).catch(() => undefined);
      if (r !== undefined) out.push(r);
    }
    out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    // Finished transfers beyond the kept number are forgotten, oldest first.
    const finished = out.filter((r) => FINISHED.has(r.state));
    for (const r of finished.slice(0, Math.max(0, finished.length - MAX_KEPT_TRANSFERS))) await this.remove(r.id);
    return out.filter((r) => !FINISHED.has(r.state) || finished.indexOf(r) >= finished.length - MAX_KEPT_TRANSFERS);
  }

  async remove(id: string): Promise<void> {
    await fsp.rm(join(this.#dir, `${id}.json`), { force: true });
    await fsp.rm(this.chunksPath(id), { force: true });
  }
}

export function manifestOf(r: TransferRecord): Manifest {
  return decodeManifest(fromHex(r.manifest));
}

export const idHex = toHex;
