/**
 * contacts.json in a user directory (0600: it holds the per-contact secrets). Every change
 * takes a lock file (so `securechat contacts remove` in one process and a listener's ratchet
 * commit in another never lose each other's change), reads the file, applies one pure change
 * and replaces the file atomically (temp file, fsync, rename). A damaged file is never
 * overwritten: the change fails with STORAGE_ERROR naming the field.
 *
 * `ContactsView` gives a listener a synchronous, always-current view for the allow-list
 * lookup: it re-reads the file only when its size, mtime or inode changed.
 */
import { closeSync, openSync, readFileSync, statSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { localError } from '../errors.js';
import { errnoCode, storageError } from '../fs/private-files.js';
import { atomicWriteFile, jsonBytes, MAX_STATE_FILE_BYTES, parseJsonBytes, readJsonFileIfExists } from './storage.js';
import { decodeContacts, EMPTY_CONTACTS, encodeContacts, type Contacts } from './contacts.js';

export const CONTACTS_FILE = 'contacts.json';
import { CONTACTS_LOCK_STALE_MS as LOCK_STALE_MS, CONTACTS_LOCK_TRIES as LOCK_TRIES } from '../limits.js';

export function contactsPath(userDir: string): string {
  return join(userDir, CONTACTS_FILE);
}

export async function loadContacts(userDir: string): Promise<Contacts> {
  return (await readJsonFileIfExists(contactsPath(userDir), decodeContacts)) ?? EMPTY_CONTACTS;
}

/** Synchronous read (for the listener's lookup inside a handshake step). */
export function loadContactsSync(userDir: string): Contacts {
  const path = contactsPath(userDir);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return EMPTY_CONTACTS;
    throw storageError('read', path, e);
  }
  if (bytes.length > MAX_STATE_FILE_BYTES) throw localError('STORAGE_ERROR', `${path} is too large`);
  const v = parseJsonBytes(bytes, path, 'STORAGE_ERROR');
  try {
    return decodeContacts(v);
  } catch (e) {
    throw localError('STORAGE_ERROR', `${path} is not valid: ${e instanceof Error ? e.message : 'unexpected shape'}; it was left unchanged`, e);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function withLock<T>(userDir: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${contactsPath(userDir)}.lock`;
  for (let i = 0; ; i++) {
    try {
      closeSync(openSync(lock, 'wx', 0o600));
      break;
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') throw storageError('lock', lock, e);
      try {
        const st = statSync(lock);
        if (Date.now() - st.mtimeMs > LOCK_STALE_MS) await fsp.rm(lock, { force: true });
      } catch {
        // gone meanwhile: try again
      }
      if (i >= LOCK_TRIES) throw localError('STORAGE_ERROR', `${contactsPath(userDir)} is locked by another securechat process (${lock})`);
      await sleep(5 + (i % 10));
    }
  }
  try {
    return await fn();
  } finally {
    await fsp.rm(lock, { force: true });
  }
}

const queues = new Map<string, Promise<unknown>>();

/** Applies `change` to the stored contacts under the lock; returns the new snapshot. */
export function updateContacts(userDir: string, change: (c: Contacts) => Contacts): Promise<Contacts> {
  const path = contactsPath(userDir);
  const run = (): Promise<Contacts> => withLock(userDir, async () => {
    const before = await loadContacts(userDir);
    const after = change(before);
    if (after !== before) await atomicWriteFile(path, jsonBytes(encodeContacts(after)));
    return after;
  });
  const prev = queues.get(path) ?? Promise.resolve();
  const next = prev.then(run, run);
  const tail = next.catch(() => undefined);
  queues.set(path, tail);
  void tail.then(() => {
    if (queues.get(path) === tail) queues.delete(path);
  });
  return next;
}

/**
 * Resolves once every change this process queued on `userDir`'s contacts.json so far is
 * written (or failed): a read after it sees them (a reconnect reads the secret the previous
 * one is still saving, src/chat/reconnect.ts).
 */
export function contactsWritten(userDir: string): Promise<void> {
  const q = queues.get(contactsPath(userDir));
  return q === undefined ? Promise.resolve() : q.then(() => undefined);
}

/** A listener's synchronous view of contacts.json, re-read when the file changed. */
export class ContactsView {
  readonly #dir: string;
  #stamp = '';
  #value: Contacts = EMPTY_CONTACTS;

  constructor(userDir: string) {
    this.#dir = userDir;
  }

  get(): Contacts {
    const path = contactsPath(this.#dir);
    let stamp: string;
    try {
      const st = statSync(path, { bigint: true });
      stamp = `${st.ino}:${st.size}:${st.mtimeNs}`;
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw storageError('read', path, e);
      stamp = 'absent';
    }
    if (stamp !== this.#stamp) {
      this.#value = stamp === 'absent' ? EMPTY_CONTACTS : loadContactsSync(this.#dir);
      this.#stamp = stamp;
    }
    return this.#value;
  }
}
