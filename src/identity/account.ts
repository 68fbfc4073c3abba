/**
 * The local user's own OPAQUE account (RFC 9807), used when this user listens: the listener
 * is the OPAQUE server for its own password. `account.json` (0600, secret) holds
 *   {"version":1, "username", "serverSetup" (the library's secret OPRF seed + AKE key pair),
 *    "record" (registration record, base64url), "ksf" {memoryKiB, iterations, parallelism},
 *    "created"}
 * and never the password. An attacker with this file can still run an offline dictionary
 * attack against the password (each guess costs one Argon2id evaluation with `ksf`).
 */
import { opaqueReady, createServerSetup, registerLocally, KSF_DEFAULT, type KsfParams } from '../crypto/opaque.js';
import { fromB64url, toB64url } from '../crypto/bytes.js';
import { localError } from '../errors.js';
import { basename } from 'node:path';
import { filesIn } from './home.js';
import { usernameProblem } from './username.js';
import { atomicCreateFile, atomicWriteFile, jsonBytes, readJsonFileIfExists } from './storage.js';

export interface Account {
  readonly username: string;
  /** Secret: the listener's OPAQUE server setup, in the library's encoding. */
  readonly serverSetup: string;
  readonly record: Uint8Array;
  readonly ksf: KsfParams;
  readonly created: number;
}

function isPosInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

function decodeAccount(value: unknown): Account {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('it is not a JSON object');
  const o = value as Record<string, unknown>;
  if (o['version'] !== 1) throw new Error('it is not a version 1 account');
  const { username, serverSetup, record, ksf, created } = o;
  if (typeof username !== 'string' || usernameProblem(username) !== undefined) throw new Error('field "username" is not a valid username');
  if (typeof serverSetup !== 'string' || !/^[A-Za-z0-9_-]+$/.test(serverSetup)) throw new Error('field "serverSetup" is missing or malformed');
  if (typeof record !== 'string' || !/^[A-Za-z0-9_-]+$/.test(record)) throw new Error('field "record" is missing or malformed');
  if (typeof ksf !== 'object' || ksf === null) throw new Error('field "ksf" is missing');
  const k = ksf as Record<string, unknown>;
  const memoryKiB = k['memoryKiB'];
  const iterations = k['iterations'];
  const parallelism = k['parallelism'];
  if (!isPosInt(memoryKiB) || !isPosInt(iterations) || !isPosInt(parallelism)) throw new Error('field "ksf" must hold positive integers memoryKiB, iterations, parallelism');
  const when = typeof created === 'string' ? Date.parse(created) : NaN;
  if (!Number.isFinite(when)) throw new Error('field "created" is not a date');
  return { username, serverSetup, record: fromB64url(record), ksf: { memoryKiB, iterations, parallelism }, created: when };
}

export interface RegisterOptions {
  /** Replace an existing account (a password change). Default false: an existing account is a `CONFIG` error. */
  readonly replace?: boolean;
  readonly now?: number;
}

/**
 * Registers `password` for `name` on this machine and stores the account in `userDir` (which
 * must exist). The password is used and not kept; the caller still owns the buffer and
 * should `wipe` it (the OPAQUE library needs a string copy internally, which JS cannot wipe).
 */
export async function registerAccount(
  userDir: string,
  name: string,
  password: Uint8Array,
  ksf: KsfParams = KSF_DEFAULT,
  options: RegisterOptions = {},
): Promise<Account> {
  const problem = usernameProblem(name);
  if (problem !== undefined) throw localError('USAGE', `the username "${name}" is not valid: ${problem}`);
  if (password.length === 0) throw localError('USAGE', 'the password is empty');
  await opaqueReady;
  const serverSetup = createServerSetup();
  const record = registerLocally(serverSetup, name, password, ksf);
  const now = options.now ?? Date.now();
  const doc = {
    version: 1,
    username: name,
    serverSetup,
    record: toB64url(record),
    ksf: { memoryKiB: ksf.memoryKiB, iterations: ksf.iterations, parallelism: ksf.parallelism },
    created: new Date(now).toISOString(),
  };
  const path = filesIn(userDir).account;
  if (options.replace === true) {
    // Refuse to replace a damaged file silently: read it first (throws on damage).
    await readJsonFileIfExists(path, decodeAccount);
    await atomicWriteFile(path, jsonBytes(doc));
  } else if (!(await atomicCreateFile(path, jsonBytes(doc)))) {
    throw localError('CONFIG', `user "${name}" is already registered in ${userDir}; the password was not changed`);
  }
  return { username: name, serverSetup, record, ksf: doc.ksf, created: now };
}

/** Loads the account stored in `userDir`; `NOT_INITIALISED` if there is none. */
export async function loadAccount(userDir: string): Promise<Account> {
  const path = filesIn(userDir).account;
  const acc = await readJsonFileIfExists(path, decodeAccount);
  if (acc === undefined) throw localError('NOT_INITIALISED', `no account in ${userDir}; run \`securechat init --user ${basename(userDir)}\` to register a password`);
  return acc;
}

/** Whether `userDir` holds an account (without validating it). */
export async function hasAccount(userDir: string): Promise<boolean> {
  try {
    await loadAccount(userDir);
    return true;
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === 'NOT_INITIALISED') return false;
    throw e;
  }
}
