/**
 * Where a local user's groups live (docs/STORAGE.md §groups): one file per group,
 * `<userDir>/groups/<name>.group`, 0600, replaced atomically (temp file, fsync, rename, fsync of
 * the directory), encrypted at rest under a key derived from the user's log secret (`log.key`):
 *
 *   file     = "SCGROUP1" (8 bytes) || salt (32 random bytes) || AES-256-GCM(key, nonce, aad, json)
 *   key||nonce = HKDF-Expand(HKDF-Extract("securechat groups v1", log_secret),
 *                            "securechat groups v1 file key" || salt, 44)       (RFC 5869)
 *   aad      = "SCGROUP1" || group name (UTF-8)
 *
 * A fresh salt per write gives a fresh (key, nonce) pair, as the log's entries do
 * (docs/LOG-FORMAT.md §3). The JSON holds the group's name, its committer, the members'
 * addresses and the MLS state encoded by `src/group/persist.ts` (SECRET). Only the agent writes
 * these files. A file that fails to open or decode is `STORAGE_ERROR` and is left as it is.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { concat, fromB64, toB64, utf8, wipe } from '../crypto/bytes.js';
import { aesGcmOpen, aesGcmSeal } from '../crypto/aead.js';
import { expandLabel, hkdfExtract } from '../crypto/hkdf.js';
import { systemRandom, type RandomSource } from '../crypto/random.js';
import { isSecureChatError, localError } from '../errors.js';
import { atomicWriteFile, ensurePrivateDir, errnoCode, readFileIfExists } from '../fs/private-files.js';
import { decodeGroup, encodeGroup, isGroupSuiteId, loadSuite, type Group, type GroupSelf, type MlsSuite } from '../group/index.js';
import { loadOrCreateLogSecret } from '../log/secret.js';
import { MAX_GROUPS_PER_USER, MAX_STATE_FILE_BYTES } from '../limits.js';
import { groupNameProblem } from '../chat/group-message.js';

const MAGIC = utf8('SCGROUP1');
const SALT_BYTES = 32;
const TAG_BYTES = 16;

export interface Address {
  readonly host: string;
  readonly port: number;
}

/** One group as the agent keeps it. */
export interface GroupRecord {
  readonly name: string;
  /** The designated committer (the creator): every member sends to it, it forwards (GROUPS.md §11). */
  readonly hub: string;
  /** Where members listen, as last learned from a users file (`group add`, `group send --users`). */
  readonly addresses: Readonly<Record<string, Address>>;
  /** `removed`: a commit removed us (or our leave was committed); the file stays for `group show`. */
  readonly status: 'active' | 'removed';
  readonly group: Group;
}

export function groupsDir(userDir: string): string {
  return join(userDir, 'groups');
}

function fileOf(userDir: string, name: string): string {
  if (groupNameProblem(name) !== undefined) throw localError('USAGE', `"${name}" is not a group name`);
  return join(groupsDir(userDir), `${name}.group`);
}

function keyMaterial(secret: Uint8Array, salt: Uint8Array): Uint8Array {
  const prk = hkdfExtract(utf8('securechat groups v1'), secret);
  try {
    return expandLabel(prk, 'securechat groups v1 file key', salt, 44);
  } finally {
    wipe(prk);
  }
}

const suites = new Map<number, Promise<MlsSuite>>();
/** The MLS suite `id`, loaded once per process. */
export function suiteFor(id: number, random: RandomSource = systemRandom): Promise<MlsSuite> {
  if (!isGroupSuiteId(id)) throw localError('STORAGE_ERROR', `unknown group suite ${id}`);
  let s = suites.get(id);
  if (s === undefined) {
    s = loadSuite(id, random);
    suites.set(id, s);
  }
  return s;
}

/** Writes `r` (atomically, encrypted). */
export async function saveGroup(userDir: string, r: GroupRecord, random: RandomSource = systemRandom): Promise<void> {
  const path = fileOf(userDir, r.name);
  const doc = { version: 1, name: r.name, hub: r.hub, addresses: r.addresses, status: r.status, suite: r.group.suite.id, state: toB64(encodeGroup(r.group)) };
  const plain = utf8(JSON.stringify(doc));
  const secret = await loadOrCreateLogSecret(userDir);
  const salt = random(SALT_BYTES);
  const m = keyMaterial(secret, salt);
  wipe(secret);
  try {
    const sealed = aesGcmSeal(m.subarray(0, 32), m.subarray(32, 44), concat(MAGIC, utf8(r.name)), plain);
    await ensurePrivateDir(groupsDir(userDir));
    await atomicWriteFile(path, concat(MAGIC, salt, sealed));
  } finally {
    wipe(m, plain);
  }
}

function damaged(path: string, why: string, cause?: unknown): Error {
  return localError('STORAGE_ERROR', `the group file ${path} is damaged (${why}); it was left as it is`, cause);
}

/** Reads the group `name`; undefined when there is none. */
export async function loadGroup(userDir: string, name: string, self: GroupSelf): Promise<GroupRecord | undefined> {
  const path = fileOf(userDir, name);
  const bytes = await readFileIfExists(path, MAX_STATE_FILE_BYTES);
  if (bytes === undefined) return undefined;
  if (bytes.length < MAGIC.length + SALT_BYTES + TAG_BYTES || !MAGIC.every((b, i) => bytes[i] === b)) throw damaged(path, 'not a group file');
  const secret = await loadOrCreateLogSecret(userDir);
  const m = keyMaterial(secret, bytes.subarray(MAGIC.length, MAGIC.length + SALT_BYTES));
  wipe(secret);
  const plain = aesGcmOpen(m.subarray(0, 32), m.subarray(32, 44), concat(MAGIC, utf8(name)), bytes.subarray(MAGIC.length + SALT_BYTES));
  wipe(m);
  if (plain === null) throw damaged(path, 'it does not decrypt under this home\'s key');
  try {
    const doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plain)) as Record<string, unknown>;
    if (doc['version'] !== 1 || doc['name'] !== name || typeof doc['hub'] !== 'string' || typeof doc['suite'] !== 'number' || typeof doc['state'] !== 'string') throw new Error('fields');
    if (doc['status'] !== 'active' && doc['status'] !== 'removed') throw new Error('status');
    const addresses = addressesOf(doc['addresses']);
    const group = decodeGroup(fromB64(doc['state']), await suiteFor(doc['suite']), self);
    return { name, hub: doc['hub'], addresses, status: doc['status'], group };
  } catch (e) {
    throw damaged(path, isSecureChatError(e) ? e.detail : 'bad fields', e);
  } finally {
    wipe(plain);
  }
}

function addressesOf(v: unknown): Record<string, Address> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('addresses');
  const out: Record<string, Address> = {};
  for (const [k, a] of Object.entries(v as Record<string, unknown>)) {
    const o = a as Record<string, unknown> | null;
    if (typeof o !== 'object' || o === null || typeof o['host'] !== 'string' || typeof o['port'] !== 'number') throw new Error('address');
    out[k] = { host: o['host'], port: o['port'] };
  }
  return out;
}

/** Names of the user's groups (from the file names), sorted. */
export async function listGroupNames(userDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fsp.readdir(groupsDir(userDir));
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return [];
    throw localError('STORAGE_ERROR', `could not list ${groupsDir(userDir)}`, e);
  }
  const out = names.filter((n) => n.endsWith('.group')).map((n) => n.slice(0, -'.group'.length)).filter((n) => groupNameProblem(n) === undefined);
  return out.sort().slice(0, MAX_GROUPS_PER_USER);
}
