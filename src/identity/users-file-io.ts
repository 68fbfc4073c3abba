/**
 * The users file on disk: load, and the three rewrites (add, remove, strip passwords).
 * A rewrite reads and validates the whole file first (an invalid file is reported, never
 * overwritten), changes only what it must (other fields, including unknown ones, are kept),
 * validates the result and replaces the file atomically, keeping its permission bits. The
 * file is re-indented (two spaces); comments are not possible in JSON, so nothing else is lost.
 */
import { promises as fsp } from 'node:fs';
import { localError, remoteError } from '../errors.js';
import { atomicWriteFile, jsonBytes, parseJsonBytes, readFileIfExists, FILE_MODE } from './storage.js';
import { checkUsers, validateUsers, findUser, type UserEntry, type UsersFile } from './users-file.js';
import { parseFingerprint } from './fingerprint.js';

const source = (path: string): string => `users file ${path}`;

async function readRaw(path: string): Promise<unknown[] | undefined> {
  const bytes = await readFileIfExists(path, 'CONFIG');
  if (bytes === undefined) return undefined;
  const value = parseJsonBytes(bytes, source(path), 'USERS_FILE_INVALID');
  validateUsers(value, source(path)); // throws before anything is written
  return value as unknown[];
}

/** Loads and validates a users file. `CONFIG` if it cannot be read, `USERS_FILE_INVALID` if it is not valid. */
export async function loadUsersFile(path: string): Promise<UsersFile> {
  const bytes = await readFileIfExists(path, 'CONFIG');
  if (bytes === undefined) throw localError('CONFIG', `the users file ${path} does not exist`);
  const value = parseJsonBytes(bytes, source(path), 'USERS_FILE_INVALID');
  const { users, warnings } = validateUsers(value, source(path));
  return { path, users, warnings };
}

async function rewrite(path: string, entries: unknown[]): Promise<UsersFile> {
  const r = checkUsers(entries, source(path));
  const first = r.problems[0];
  if (first !== undefined) throw remoteError('USERS_FILE_INVALID', first);
  let mode = FILE_MODE;
  try {
    mode = (await fsp.stat(path)).mode & 0o777;
  } catch {
    // a new file: 0600
  }
  await atomicWriteFile(path, jsonBytes(entries), { mode });
  return { path, users: r.users, warnings: r.warnings };
}

export interface NewUser {
  readonly username: string;
  readonly ip: string;
  readonly port: number;
  /** Identity-key fingerprint to pin, as shown by `securechat peers`. */
  readonly fingerprint?: string;
}

/**
 * Adds an entry (no password: passwords go only into a user's own home, via `init`). Creates
 * the file (0600) if it does not exist. `USERS_FILE_INVALID` if the name or address is taken
 * or a field is invalid, with the same messages as loading.
 */
export async function addUser(path: string, user: NewUser): Promise<UsersFile> {
  const entries = (await readRaw(path)) ?? [];
  const fp = user.fingerprint === undefined ? undefined : parseFingerprint(user.fingerprint) ?? user.fingerprint;
  entries.push({ username: user.username, ip: user.ip, port: user.port, ...(fp === undefined ? {} : { fingerprint: fp }) });
  return rewrite(path, entries);
}

/** Removes the entry for `name` (exact name). `UNKNOWN_USER` if it is not in the file. */
export async function removeUser(path: string, name: string): Promise<UsersFile> {
  const entries = await readRaw(path);
  if (entries === undefined) throw localError('CONFIG', `the users file ${path} does not exist`);
  const file = await loadUsersFile(path);
  const target: UserEntry = findUser(file, name);
  entries.splice(target.entry - 1, 1);
  return rewrite(path, entries);
}

/**
 * Removes the plaintext `"password"` of each entry whose username is in `namesRegistered`
 * (users whose password is now an OPAQUE record in their home); everything else is kept.
 * Returns the names whose password was removed. Writes nothing if there is nothing to remove.
 */
export async function stripPasswords(path: string, namesRegistered: readonly string[]): Promise<{ file: UsersFile; stripped: string[] }> {
  const entries = await readRaw(path);
  if (entries === undefined) throw localError('CONFIG', `the users file ${path} does not exist`);
  const wanted = new Set(namesRegistered);
  const stripped: string[] = [];
  const next = entries.map((e) => {
    const o = e as Record<string, unknown>;
    const name = o['username'];
    if (typeof name !== 'string' || !wanted.has(name) || !Object.prototype.hasOwnProperty.call(o, 'password')) return e;
    stripped.push(name);
    const copy: Record<string, unknown> = {};
    for (const k of Object.keys(o)) {
      if (k !== 'password') Object.defineProperty(copy, k, { value: o[k], enumerable: true, writable: true, configurable: true });
    }
    return copy;
  });
  if (stripped.length === 0) return { file: await loadUsersFile(path), stripped };
  return { file: await rewrite(path, next), stripped };
}
