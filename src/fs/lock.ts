/**
 * One writer per log: a lock file created atomically (temp file holding our pid, then a hard
 * link, which fails when the name is taken).
 *
 * A second process (or a second writer in this process) that tries to open the log gets
 * `STORAGE_ERROR` "the log is in use by process N" at once; it never waits and never writes.
 * A lock left by a process that no longer exists on this host (kill -9, power loss) is stale
 * and is broken: renamed aside, re-checked, removed. Limits (docs/LOG-FORMAT.md §6): the pid
 * check is per host (a home on a network file system shared by two hosts is not protected),
 * and a reused pid makes a stale lock look live (remove the lock file by hand then).
 */
import { promises as fsp, readFileSync } from 'node:fs';
import { toHex } from '../crypto/bytes.js';
import { systemRandom } from '../crypto/random.js';
import { localError } from '../errors.js';
import { errnoCode, storageError, writeTemp } from './private-files.js';

export interface LogLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): Promise<void>;
}

/**
 * Whether a process with this pid exists on this host (this process included). A zombie (it
 * exited, or was killed, and its parent has not collected it yet) holds nothing: it counts as
 * gone. Its pid answers kill(pid, 0) until it is reaped, which where PID 1 does not reap (a
 * container without an init) is never: a crashed agent's lock would look held for good.
 */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return errnoCode(e) === 'EPERM';
  }
  return !isZombie(pid);
}

/** Linux: the state in /proc/PID/stat is Z (zombie) or X (dead). Elsewhere (no /proc): false. */
function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // "PID (COMMAND) STATE ...": COMMAND may hold spaces and parentheses; the state follows the last ')'.
  const state = stat.slice(stat.lastIndexOf(')') + 2).charAt(0);
  return state === 'Z' || state === 'X';
}

/** The pid in a lock file, or undefined (no file, or not a pid). */
export async function readPid(path: string): Promise<number | undefined> {
  try {
    const s = (await fsp.readFile(path, 'utf8')).trim();
    return /^\d{1,10}$/.test(s) ? Number(s) : undefined;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw storageError('read the lock', path, e);
  }
}

export async function acquireLock(path: string): Promise<LogLock> {
  const mine = `${process.pid}\n`;
  const tmp = await writeTemp(path, new TextEncoder().encode(mine));
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await fsp.link(tmp, path);
        let released = false;
        return {
          path,
          release: async () => {
            if (released) return;
            released = true;
            if ((await readPid(path)) === process.pid) await fsp.rm(path, { force: true });
          },
        };
      } catch (e) {
        if (errnoCode(e) !== 'EEXIST') throw storageError('create the lock', path, e);
      }
      const owner = await readPid(path);
      if (owner !== undefined && processAlive(owner)) {
        throw localError('STORAGE_ERROR', `the log is in use by process ${owner} (lock file ${path})`);
      }
      // Stale (its process is gone) or unreadable: move it aside, check what we moved, remove it.
      const aside = `${path}.stale.${toHex(systemRandom(6))}`;
      try {
        await fsp.rename(path, aside);
      } catch (e) {
        if (errnoCode(e) === 'ENOENT') continue;
        throw storageError('break the stale lock', path, e);
      }
      const moved = await readPid(aside);
      if (moved !== undefined && moved !== owner && processAlive(moved)) {
        // We raced another process that had just taken the lock: give it back.
        await fsp.link(aside, path).catch(() => undefined);
        await fsp.rm(aside, { force: true });
        throw localError('STORAGE_ERROR', `the log is in use by process ${moved} (lock file ${path})`);
      }
      await fsp.rm(aside, { force: true });
    }
    throw localError('STORAGE_ERROR', `could not take the log lock ${path}`);
  } finally {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
  }
}
