/**
 * The sender's side on disk (docs/FILES.md §5.1): the paths given (files and folders, walked
 * depth first, sorted) become manifest entries; each file is read once to compute its SHA-256
 * and the SHA-256 of each chunk, in bounded memory (one chunk at a time). A symbolic link, a
 * device or anything else that is not a regular file or folder is refused (FILE_PATH_UNSAFE).
 */
import { createHash } from 'node:crypto';
import { promises as fsp, type Stats } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { localError } from '../errors.js';
import { storageError } from '../fs/private-files.js';
import { systemRandom } from '../crypto/random.js';
import { FILE_KEY_BYTES, MAX_MANIFEST_ENTRIES } from './limits.js';
import type { ManifestEntry } from './manifest.js';

export interface SourceFile {
  readonly path: string;
  readonly rel: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** Every regular file under `paths`, with the relative names they get in the manifest. */
export async function collect(paths: readonly string[]): Promise<SourceFile[]> {
  const out: SourceFile[] = [];
  const visit = async (abs: string, rel: string): Promise<void> => {
    let st: Stats;
    try {
      st = await fsp.lstat(abs);
    } catch (e) {
      throw storageError('read', abs, e, 'USAGE');
    }
    if (st.isSymbolicLink()) throw localError('FILE_PATH_UNSAFE', `${abs} is a symbolic link; links are not sent (send what it points to)`);
    if (st.isFile()) {
      if (out.length >= MAX_MANIFEST_ENTRIES) throw localError('USAGE', `more than ${MAX_MANIFEST_ENTRIES} files in one transfer; send the folder in parts`);
      out.push({ path: abs, rel, size: st.size, mtimeMs: st.mtimeMs });
      return;
    }
    if (!st.isDirectory()) throw localError('FILE_PATH_UNSAFE', `${abs} is neither a file nor a folder`);
    const names = (await fsp.readdir(abs)).sort();
    for (const n of names) await visit(join(abs, n), `${rel}/${n}`);
  };
  for (const p of paths) {
    const abs = resolve(p);
    await visit(abs, basename(abs));
  }
  if (out.length === 0) throw localError('USAGE', 'there is no file to send in what was given (empty folders are not sent)');
  return out;
}

/** Hashes `f` (whole and per chunk, appending each chunk's hash to `chunkHashes`); returns its manifest entry with a fresh key. */
export async function hashFile(f: SourceFile, chunkSize: number, chunkHashes: Buffer[]): Promise<ManifestEntry> {
  const whole = createHash('sha256');
  const h = await fsp.open(f.path, 'r');
  try {
    const buf = Buffer.alloc(chunkSize);
    let pos = 0;
    for (;;) {
      let got = 0;
      while (got < chunkSize) {
        const { bytesRead } = await h.read(buf, got, chunkSize - got, pos + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      if (got === 0 && pos > 0) break;
      const part = buf.subarray(0, got);
      whole.update(part);
      chunkHashes.push(createHash('sha256').update(part).digest());
      pos += got;
      if (got < chunkSize) break;
    }
    if (pos !== f.size) throw localError('FILE_CHANGED', `${f.path} changed while it was read`);
  } finally {
    await h.close();
  }
  return { path: f.rel, size: f.size, sha256: new Uint8Array(whole.digest()), key: systemRandom(FILE_KEY_BYTES) };
}
