/**
 * Small file helpers for the log adapter (internal). The log depends only on crypto, so it does
 * not borrow identity/storage.ts; the rules are the same: directories 0700, files 0600,
 * atomic replace = temp file, fsync, rename, fsync the directory.
 */
import { constants as fsc, promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { toHex } from '../crypto/bytes.js';
import { systemRandom } from '../crypto/random.js';
import { localError, isSecureChatError, type ErrorCode, type SecureChatError } from '../errors.js';

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

export function errnoCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e) {
    const c = e.code;
    return typeof c === 'string' ? c : undefined;
  }
  return undefined;
}

export function storageError(what: string, path: string, e: unknown, code: ErrorCode = 'STORAGE_ERROR'): SecureChatError {
  if (isSecureChatError(e)) return e;
  const c = errnoCode(e);
  return localError(code, `could not ${what} ${path}${c === undefined ? '' : ` (${c})`}`, e);
}

export async function ensureDir(dir: string): Promise<void> {
  try {
    const created = await fsp.mkdir(dir, { recursive: true, mode: DIR_MODE });
    if (created !== undefined) await fsp.chmod(dir, DIR_MODE);
  } catch (e) {
    throw storageError('create the directory', dir, e);
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  let h: fsp.FileHandle | undefined;
  try {
    h = await fsp.open(dir, fsc.O_RDONLY);
    await h.sync();
  } catch (e) {
    // Some file systems cannot fsync a directory; the rename is still atomic there.
    const c = errnoCode(e);
    if (c !== 'EINVAL' && c !== 'EPERM' && c !== 'EISDIR' && c !== 'EBADF') throw storageError('sync the directory', dir, e);
  } finally {
    await h?.close();
  }
}

/** Writes every byte (a regular file may still return short writes). */
export async function writeAll(h: fsp.FileHandle, bytes: Uint8Array): Promise<void> {
  let o = 0;
  while (o < bytes.length) {
    const { bytesWritten } = await h.write(bytes, o, bytes.length - o);
    if (bytesWritten <= 0) throw localError('STORAGE_ERROR', 'write made no progress');
    o += bytesWritten;
  }
}

/** Writes a new private temp file next to `path`, fsync'd; returns its name. */
export async function writeTemp(path: string, bytes: Uint8Array): Promise<string> {
  const tmp = join(dirname(path), `.${basename(path)}.${toHex(systemRandom(6))}.tmp`);
  const h = await fsp.open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, FILE_MODE);
  try {
    await h.chmod(FILE_MODE);
    await writeAll(h, bytes);
    await h.sync();
    await h.close();
  } catch (e) {
    await h.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw storageError('write', tmp, e);
  }
  return tmp;
}

/** Atomically replaces (or creates) `path`: temp file, fsync, rename, fsync the directory. */
export async function atomicWrite(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = await writeTemp(path, bytes);
  try {
    await fsp.rename(tmp, path);
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw storageError('replace', path, e);
  }
  await fsyncDir(dirname(path));
}

/** Reads a whole regular file up to `max` bytes; `undefined` when it does not exist. */
export async function readIfExists(path: string, max: number): Promise<Uint8Array | undefined> {
  let h: fsp.FileHandle;
  try {
    h = await fsp.open(path, fsc.O_RDONLY);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw storageError('open', path, e);
  }
  try {
    const st = await h.stat();
    if (!st.isFile()) throw localError('STORAGE_ERROR', `${path} is not a regular file`);
    if (st.size > max) throw localError('LIMIT_REACHED', `${path} is larger than ${max} bytes`);
    return new Uint8Array(await h.readFile());
  } catch (e) {
    throw storageError('read', path, e);
  } finally {
    await h.close();
  }
}
