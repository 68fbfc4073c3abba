/**
 * The receiver's side on disk (docs/FILES.md §5.2). Every file of a transfer is written below
 * the chosen folder and nowhere else: each folder on the way is created (or found) and checked
 * with lstat to be a real folder (a symbolic link there is FILE_PATH_UNSAFE), the part file is
 * created with O_NOFOLLOW|O_EXCL, and a finished file is hard-linked to its final name, which
 * fails if that name exists, so nothing is ever overwritten: "name (1).ext" is tried next.
 * Names are made safe (paths.ts) on the way. A part file holds only verified chunks; its
 * length, rounded down to whole chunks, is the resume point after a crash.
 */
import { constants as fsc, promises as fsp } from 'node:fs';
import { extname, join } from 'node:path';
import { localError } from '../errors.js';
import { errnoCode, fsyncDir, storageError, writeAll } from '../fs/private-files.js';
import { safeComponents } from './paths.js';

/** Creates (or finds) `into/a/b/...` for the folders of `rel`, refusing links; returns the folder and the safe file name. */
export async function prepareFolder(into: string, rel: string): Promise<{ dir: string; name: string }> {
  const parts = safeComponents(rel);
  const name = parts.pop() ?? '_';
  await fsp.mkdir(into, { recursive: true, mode: 0o700 });
  let dir = into;
  await realDir(dir);
  for (const p of parts) {
    dir = join(dir, p);
    try {
      await fsp.mkdir(dir, { mode: 0o700 });
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') throw storageError('create the folder', dir, e);
    }
    await realDir(dir);
  }
  return { dir, name };
}

async function realDir(dir: string): Promise<void> {
  const st = await fsp.lstat(dir).catch((e: unknown) => {
    throw storageError('check the folder', dir, e);
  });
  if (st.isSymbolicLink() || !st.isDirectory()) throw localError('FILE_PATH_UNSAFE', `${dir} is not a plain folder (a link or a file is in the way); nothing is written through it`);
}

export function partPath(dir: string, name: string, id: string): string {
  return join(dir, `.${name.slice(0, 200)}.${id.slice(0, 12)}.part`);
}

/** An open part file: verified chunks are written at their offsets. */
export class PartFile {
  readonly path: string;
  readonly #h: fsp.FileHandle;

  private constructor(path: string, h: fsp.FileHandle) {
    this.path = path;
    this.#h = h;
  }

  /** Opens (creating it if new) the part file, keeps its first `keep` bytes (whole verified chunks) and drops the rest. */
  static async open(path: string, keep: number): Promise<PartFile> {
    let h: fsp.FileHandle;
    try {
      h = await fsp.open(path, fsc.O_RDWR | fsc.O_CREAT | fsc.O_NOFOLLOW, 0o600);
    } catch (e) {
      throw errnoCode(e) === 'ELOOP' ? localError('FILE_PATH_UNSAFE', `${path} is a symbolic link`) : storageError('create', path, e);
    }
    const st = await h.stat();
    if (!st.isFile()) {
      await h.close();
      throw localError('FILE_PATH_UNSAFE', `${path} is not a regular file`);
    }
    await h.truncate(Math.min(keep, st.size));
    return new PartFile(path, h);
  }

  static async storedLength(path: string): Promise<number> {
    const st = await fsp.lstat(path).catch(() => undefined);
    return st?.isFile() === true ? st.size : 0;
  }

  /** Reads back `[offset, offset+n)` (for the hash after a resume). */
  async read(offset: number, n: number): Promise<Uint8Array> {
    const b = Buffer.alloc(n);
    let got = 0;
    while (got < n) {
      const { bytesRead } = await this.#h.read(b, got, n - got, offset + got);
      if (bytesRead === 0) throw localError('STORAGE_ERROR', `${this.path} is shorter than recorded`);
      got += bytesRead;
    }
    return b;
  }

  async write(offset: number, plain: Uint8Array): Promise<void> {
    if (plain.length === 0) return;
    let o = 0;
    while (o < plain.length) {
      const { bytesWritten } = await this.#h.write(plain, o, plain.length - o, offset + o);
      if (bytesWritten <= 0) throw localError('STORAGE_ERROR', 'write made no progress');
      o += bytesWritten;
    }
  }

  /** fsyncs and gives the file its final name in `dir`: `name`, else `name (1).ext`, ...; returns that name. */
  async finish(dir: string, name: string): Promise<string> {
    await this.#h.sync();
    await this.#h.close();
    const ext = extname(name);
    const stem = ext === name ? name : name.slice(0, name.length - ext.length);
    for (let i = 0; i < 10_000; i++) {
      const candidate = i === 0 ? name : `${stem} (${i})${ext}`;
      try {
        await fsp.link(this.path, join(dir, candidate));
        await fsp.rm(this.path, { force: true });
        await fsyncDir(dir);
        return candidate;
      } catch (e) {
        if (errnoCode(e) !== 'EEXIST') throw storageError('save', join(dir, candidate), e);
      }
    }
    throw localError('STORAGE_ERROR', `no free name for ${name} in ${dir}`);
  }

  async close(): Promise<void> {
    await this.#h.close().catch(() => undefined);
  }
}

export { writeAll };
