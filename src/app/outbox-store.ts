/**
 * The outbox on disk: one file per local user, `<userDir>/outbox.bin` (0600), encrypted at rest
 * with a key from the log secret (`log.key`), the way the log's entries are (docs/LOG-FORMAT.md
 * §3, the same HKDF-SHA256 and AES-256-GCM from node:crypto, under a label of its own):
 *
 *   prk        = HKDF-Extract(salt = "securechat outbox v1", ikm = log secret)
 *   key||nonce = HKDF-Expand(prk, "securechat outbox v1 file key" || salt, 44)
 *   file       = "SCOUTBX1" || salt[32] || AES-256-GCM(key, nonce, aad = "SCOUTBX1" || salt, json)
 *
 * A fresh random salt per write gives a fresh (key, nonce) each time. Every write replaces the
 * whole file atomically (src/fs/private-files.ts: temp file, fsync, rename, fsync the
 * directory), so after a crash the file holds the state before or after the write, never a
 * mix; an empty outbox removes the file. The plaintext is
 * `{"version":1,"entries":[{"id","to":{"account","host","port"},"text","queuedAt"}]}`.
 */
import { promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import { aesGcmOpen, aesGcmSeal } from '../crypto/aead.js';
import { concat, fromUtf8, utf8, wipe } from '../crypto/bytes.js';
import { expandLabel, hkdfExtract } from '../crypto/hkdf.js';
import { systemRandom, type RandomSource } from '../crypto/random.js';
import { localError } from '../errors.js';
import { atomicWriteFile, fsyncDir, readFileIfExists, storageError } from '../fs/private-files.js';
import { usernameProblem } from '../identity/username.js';
import { loadOrCreateLogSecret } from '../log/secret.js';
import { MAX_ID_TEXT_BYTES, MAX_OUTBOX_FILE_BYTES, MAX_OUTBOX_MESSAGES } from '../limits.js';
import type { OutboxEntry } from './outbox.js';

export const OUTBOX_FILE = 'outbox.bin';
const MAGIC = utf8('SCOUTBX1');
const SALT_BYTES = 32;
const TAG_BYTES = 16;
const KDF_SALT = utf8('securechat outbox v1');

export function outboxPath(userDir: string): string {
  return join(userDir, OUTBOX_FILE);
}

function keyMaterial(secret: Uint8Array, salt: Uint8Array): Uint8Array {
  const prk = hkdfExtract(KDF_SALT, secret);
  try {
    return expandLabel(prk, 'securechat outbox v1 file key', salt, 44);
  } finally {
    wipe(prk);
  }
}

/** The file's bytes for `entries` (pure; `random` gives the salt). */
export function sealOutbox(secret: Uint8Array, entries: readonly OutboxEntry[], random: RandomSource = systemRandom): Uint8Array {
  const salt = random(SALT_BYTES);
  const km = keyMaterial(secret, salt);
  try {
    const pt = utf8(JSON.stringify({ version: 1, entries: entries.map((e) => ({ id: e.id, to: { account: e.to.account, host: e.to.host, port: e.to.port }, text: e.text, queuedAt: e.queuedAt })) }));
    return concat(MAGIC, salt, aesGcmSeal(km.subarray(0, 32), km.subarray(32, 44), concat(MAGIC, salt), pt));
  } finally {
    wipe(km);
  }
}

function bad(detail: string): Error {
  return localError('STORAGE_ERROR', `the outbox file cannot be read: ${detail}`);
}

/** The entries in a file's bytes; STORAGE_ERROR when it is not an outbox of this secret or does not parse. */
export function openOutbox(secret: Uint8Array, file: Uint8Array): OutboxEntry[] {
  if (file.length < MAGIC.length + SALT_BYTES + TAG_BYTES || !MAGIC.every((b, i) => file[i] === b)) throw bad('it is not an outbox file');
  const salt = file.subarray(MAGIC.length, MAGIC.length + SALT_BYTES);
  const km = keyMaterial(secret, salt);
  let pt: Uint8Array | null;
  try {
    pt = aesGcmOpen(km.subarray(0, 32), km.subarray(32, 44), concat(MAGIC, salt), file.subarray(MAGIC.length + SALT_BYTES));
  } finally {
    wipe(km);
  }
  if (pt === null) throw bad('it does not authenticate (altered, or written under another log secret)');
  let v: unknown;
  try {
    v = JSON.parse(fromUtf8(pt));
  } catch {
    throw bad('its content is not JSON');
  }
  return checkEntries(v);
}

function checkEntries(v: unknown): OutboxEntry[] {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('not an object');
  const o = v as Record<string, unknown>;
  if (o['version'] !== 1) throw bad(`unknown version ${String(o['version']).slice(0, 20)}`);
  const list = o['entries'];
  if (!Array.isArray(list) || list.length > MAX_OUTBOX_MESSAGES) throw bad('entries must be a list of at most the outbox size');
  const seen = new Set<string>();
  return list.map((x: unknown, i): OutboxEntry => {
    if (typeof x !== 'object' || x === null) throw bad(`entry ${i} is not an object`);
    const e = x as Record<string, unknown>;
    const to = e['to'];
    if (typeof to !== 'object' || to === null) throw bad(`entry ${i} has no target`);
    const t = to as Record<string, unknown>;
    const id = e['id'];
    const text = e['text'];
    const at = e['queuedAt'];
    const account = t['account'];
    const host = t['host'];
    const port = t['port'];
    if (typeof id !== 'string' || !/^[0-9a-f]{32}$/.test(id) || seen.has(id)) throw bad(`entry ${i} has a bad or repeated id`);
    if (typeof text !== 'string' || text.length === 0 || utf8(text).length > MAX_ID_TEXT_BYTES) throw bad(`entry ${i} has a bad text`);
    if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0) throw bad(`entry ${i} has a bad time`);
    if (typeof account !== 'string' || usernameProblem(account) !== undefined) throw bad(`entry ${i} has a bad account`);
    if (typeof host !== 'string' || host === '' || host.length > 255) throw bad(`entry ${i} has a bad host`);
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) throw bad(`entry ${i} has a bad port`);
    seen.add(id);
    return { id, to: { account, host, port }, text, queuedAt: at };
  });
}

/**
 * One user's outbox file. `save` calls are written in order; calls that arrive while a write
 * is in progress are written together by the next one (each resolves once a write that
 * includes its state is durable).
 */
export class OutboxFile {
  readonly #path: string;
  readonly #userDir: string;
  #latest: readonly OutboxEntry[] = [];
  #dirty = false;
  #chain: Promise<void> = Promise.resolve();

  constructor(userDir: string) {
    this.#userDir = userDir;
    this.#path = outboxPath(userDir);
  }

  get path(): string {
    return this.#path;
  }

  /** The stored entries (none when there is no file). */
  async load(): Promise<OutboxEntry[]> {
    const bytes = await readFileIfExists(this.#path, MAX_OUTBOX_FILE_BYTES);
    if (bytes === undefined) return [];
    const secret = await loadOrCreateLogSecret(this.#userDir);
    try {
      return openOutbox(secret, bytes);
    } catch (e) {
      throw storageError('read', this.#path, e);
    } finally {
      wipe(secret);
    }
  }

  /** Makes `entries` the stored state; resolves when it is durable. */
  save(entries: readonly OutboxEntry[]): Promise<void> {
    this.#latest = entries;
    this.#dirty = true;
    const run = this.#chain.catch(() => undefined).then(() => this.#flush());
    this.#chain = run;
    return run;
  }

  async #flush(): Promise<void> {
    if (!this.#dirty) return;
    this.#dirty = false;
    const entries = this.#latest;
    try {
      if (entries.length === 0) {
        await fsp.rm(this.#path, { force: true });
        await fsyncDir(dirname(this.#path));
        return;
      }
      const secret = await loadOrCreateLogSecret(this.#userDir);
      let bytes: Uint8Array;
      try {
        bytes = sealOutbox(secret, entries);
      } finally {
        wipe(secret);
      }
      await atomicWriteFile(this.#path, bytes);
    } catch (e) {
      this.#dirty = true; // the next save writes it again
      throw storageError('write', this.#path, e);
    }
  }
}
