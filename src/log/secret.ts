/**
 * The log secret: 32 random bytes in `<userDir>/log.key` (0600), raw. Only this user's home
 * holds it; it is never derived from a password. The identity module owns the home layout and
 * passes the user directory in.
 */
import { constants as fsc, promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import { systemRandom, type RandomSource } from '../crypto/random.js';
import { localError } from '../errors.js';
import { ensurePrivateDir, errnoCode, fsyncDir, storageError, writeTemp } from '../fs/private-files.js';
import { LOG_SECRET_BYTES } from './keys.js';

export const LOG_KEY_FILE = 'log.key';

export function logKeyPath(userDir: string): string {
  return join(userDir, LOG_KEY_FILE);
}

/** Loads the secret; `NOT_INITIALISED` when there is none, `CONFIG` when it is malformed. */
export async function loadLogSecret(userDir: string): Promise<Uint8Array> {
  const path = logKeyPath(userDir);
  let h: fsp.FileHandle;
  try {
    h = await fsp.open(path, fsc.O_RDONLY);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') throw localError('NOT_INITIALISED', `no log secret at ${path}`);
    throw storageError('open', path, e);
  }
  try {
    const st = await h.stat();
    if (!st.isFile() || st.size !== LOG_SECRET_BYTES) throw localError('CONFIG', `${path} is not a ${LOG_SECRET_BYTES}-byte log secret`);
    if ((st.mode & 0o077) !== 0) throw localError('CONFIG', `${path} is readable by other users; it must be mode 0600`);
    const b = new Uint8Array(LOG_SECRET_BYTES);
    const { bytesRead } = await h.read(b, 0, LOG_SECRET_BYTES, 0);
    if (bytesRead !== LOG_SECRET_BYTES) throw localError('CONFIG', `${path} is not a ${LOG_SECRET_BYTES}-byte log secret`);
    return b;
  } catch (e) {
    throw storageError('read', path, e);
  } finally {
    await h.close();
  }
}

/**
 * Loads the secret, creating it (atomically, 0600) when it does not exist yet. Two processes
 * creating it at once agree on one secret (hard link, which fails if the name is taken).
 */
export async function loadOrCreateLogSecret(userDir: string, random: RandomSource = systemRandom): Promise<Uint8Array> {
  try {
    return await loadLogSecret(userDir);
  } catch (e) {
    if (!(e instanceof Error && 'code' in e && e.code === 'NOT_INITIALISED')) throw e;
  }
  const path = logKeyPath(userDir);
  await ensurePrivateDir(dirname(path));
  const secret = random(LOG_SECRET_BYTES);
  const tmp = await writeTemp(path, secret);
  secret.fill(0);
  try {
    await fsp.link(tmp, path);
    await fsyncDir(dirname(path));
  } catch (e) {
    if (errnoCode(e) !== 'EEXIST') throw storageError('create', path, e);
  } finally {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
  }
  return loadLogSecret(userDir);
}
