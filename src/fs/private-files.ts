/**
 * The one place SecureChat writes its own files (the home's identity, account, known peers,
 * users file, and the log). The rules: directories 0700, files 0600, and every replacement
 * atomic — write a temporary file in the same directory, fsync it, rename it over the target,
 * fsync the directory so the rename itself survives a crash. A reader sees the old bytes or the
 * new bytes, never a mix. Errors are `SecureChatError`s naming the file, never quoting content.
 *
 * Depends only on errors and crypto (for the temp-name randomness), so both `identity` and `log`
 * may use it.
 */
import { constants as fsc, promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { systemRandom } from '../crypto/random.js';
import { toHex } from '../crypto/bytes.js';
import { localError, isSecureChatError, type ErrorCode, type SecureChatError } from '../errors.js';

/** Mode of every directory we create. */
export const DIR_MODE = 0o700;
/** Mode of every file we create. */
export const FILE_MODE = 0o600;

export function errnoCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e) {
    const c = e.code;
    return typeof c === 'string' ? c : undefined;
  }
  return undefined;
}

/** A short, secret-free reason for an OS error (`permission denied`, `no space left`, ...). */
export function osReason(e: unknown): string {
  switch (errnoCode(e)) {
    case 'ENOENT': return 'it does not exist';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'ENOSPC': return 'no space left on the device';
    case 'EDQUOT': return 'disk quota exceeded';
    case 'EROFS': return 'the file system is read-only';
    case 'EISDIR': return 'it is a directory';
    case 'ENOTDIR': return 'a part of the path is not a directory';
    case 'EEXIST': return 'it already exists';
    case 'EIO': return 'an input/output error occurred';
    default: {
      const c = errnoCode(e);
      return c === undefined ? 'an unexpected error occurred' : `the system reported ${c}`;
    }
  }
}

/** `could not WHAT PATH: reason`; a SecureChatError passes through unchanged. */
export function storageError(what: string, path: string, e: unknown, code: ErrorCode = 'STORAGE_ERROR'): SecureChatError {
  if (isSecureChatError(e)) return e;
  return localError(code, `could not ${what} ${path}: ${osReason(e)}`, e);
}

/**
 * Creates `dir` (and missing parents) with mode 0700. An existing directory is left as is unless
 * another local user could change what is in it (writable by group or others, or owned by
 * another user): that is refused with `CONFIG`, as OpenSSH's StrictModes refuses such a
 * `~/.ssh` — whoever can write there can swap the agent's socket, a contact or a pinned key.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  let created: string | undefined;
  try {
    created = await fsp.mkdir(dir, { recursive: true, mode: DIR_MODE });
    // mkdir's mode is filtered by the umask; set it exactly on what we created.
    if (created !== undefined) {
      let d = dir;
      for (;;) {
        await fsp.chmod(d, DIR_MODE);
        if (d === created) break;
        const parent = dirname(d);
        if (parent === d) break;
        d = parent;
      }
    }
  } catch (e) {
    throw storageError('create the directory', dir, e);
  }
  if (created === undefined) await refuseSharedDir(dir);
}

/** `CONFIG` when `dir` is writable by group or others, or owned by another user. */
async function refuseSharedDir(dir: string): Promise<void> {
  let st;
  try {
    st = await fsp.stat(dir);
  } catch (e) {
    throw storageError('check the directory', dir, e);
  }
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  if (uid !== undefined && st.uid !== uid) {
    throw localError('CONFIG', `the directory ${dir} belongs to another user (uid ${st.uid}); use a directory of your own`);
  }
  if ((st.mode & 0o022) !== 0) {
    throw localError('CONFIG', `the directory ${dir} can be written by other users (mode ${(st.mode & 0o777).toString(8)}); run \`chmod go-w ${dir}\` (or \`chmod 700 ${dir}\`) and try again`);
  }
}

/** fsync of a directory, so a rename in it is durable. */
export async function fsyncDir(dir: string): Promise<void> {
  let h: fsp.FileHandle | undefined;
  try {
    h = await fsp.open(dir, fsc.O_RDONLY);
    await h.sync();
  } catch (e) {
    // Some platforms and file systems cannot fsync a directory; the rename is still atomic.
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

/**
 * Writes a new private temp file next to `path`, fsync'd, and returns its name; the caller
 * renames or links it into place. On failure nothing is left behind and the error names `path`.
 */
export async function writeTemp(path: string, bytes: Uint8Array, mode: number = FILE_MODE): Promise<string> {
  const tmp = join(dirname(path), `.${basename(path)}.${toHex(systemRandom(6))}.tmp`);
  let h: fsp.FileHandle | undefined;
  try {
    h = await fsp.open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, mode);
    await h.chmod(mode); // the umask may have narrowed it; never widened beyond `mode`
    await writeAll(h, bytes);
    await h.sync();
    await h.close();
    h = undefined;
    return tmp;
  } catch (e) {
    await h?.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw storageError('write', path, e);
  }
}

export interface WriteOptions {
  /** File mode; default 0600. */
  readonly mode?: number;
}

/**
 * Atomically replaces (or creates) `path` with `bytes`. On any failure the old file is intact
 * and the temp file is removed. Throws `STORAGE_ERROR` naming the file.
 */
export async function atomicWriteFile(path: string, bytes: Uint8Array, options: WriteOptions = {}): Promise<void> {
  const tmp = await writeTemp(path, bytes, options.mode ?? FILE_MODE);
  try {
    await fsp.rename(tmp, path);
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw storageError('write', path, e);
  }
  await fsyncDir(dirname(path));
}

/**
 * Reads a whole regular file, refusing one larger than `max` bytes (checked before reading);
 * `undefined` when it does not exist. Failures carry `code`.
 */
export async function readFileIfExists(path: string, max: number, code: ErrorCode = 'STORAGE_ERROR'): Promise<Uint8Array | undefined> {
  let h: fsp.FileHandle;
  try {
    h = await fsp.open(path, fsc.O_RDONLY);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw storageError('read', path, e, code);
  }
  try {
    const st = await h.stat();
    if (!st.isFile()) throw localError(code, `could not read ${path}: it is not a regular file`);
    if (st.size > max) throw localError(code, `could not read ${path}: it is larger than ${max} bytes`);
    return new Uint8Array(await h.readFile());
  } catch (e) {
    throw storageError('read', path, e, code);
  } finally {
    await h.close();
  }
}
