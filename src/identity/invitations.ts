/**
 * Invitations (docs/PROTOCOL.md §11): a one-time code that lets someone become a contact
 * without sharing a password. `securechat invite` creates one; the listener serves it once.
 *
 * The code is a one-time OPAQUE password: a fresh OPAQUE server setup and a registration of
 * the code under the inviter's account name are stored (invitation.json, 0600), never the code
 * itself. One pending invitation per user; a new one replaces it. It is valid until
 * `expiresAt` and for one attempt: the listener deletes it as soon as one login attempt reached
 * ServerHello, so an attacker gets exactly one online guess at 40 bits.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createServerSetup, opaqueReady, registerLocally, type KsfParams } from '../crypto/opaque.js';
import { fromB64url, toB64url, utf8 } from '../crypto/bytes.js';
import type { RandomSource } from '../crypto/random.js';
import { localError } from '../errors.js';
import { errnoCode, storageError } from '../fs/private-files.js';
import { atomicWriteFile, jsonBytes, parseJsonBytes } from './storage.js';

export const INVITATION_FILE = 'invitation.json';
/** How long an invitation stays valid (src/limits.ts). */
import { INVITATION_TTL_MS } from '../limits.js';
export { INVITATION_TTL_MS };
/** Crockford's base32 alphabet (no I, L, O, U): easy to read aloud. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 8 characters: 40 bits. */
export const CODE_CHARS = 8;

export interface Invitation {
  readonly account: string;
  readonly serverSetup: string;
  readonly record: Uint8Array;
  readonly ksf: KsfParams;
  readonly created: number;
  readonly expiresAt: number;
}

export function invitationPath(userDir: string): string {
  return join(userDir, INVITATION_FILE);
}

/** `XXXX-XXXX` from 5 random bytes (40 bits). */
export function newCode(random: RandomSource): string {
  const b = random(5);
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  let s = '';
  for (let i = 0; i < CODE_CHARS; i++) {
    s = (ALPHABET[Number(v & 31n)] ?? '0') + s;
    v >>= 5n;
  }
  b.fill(0);
  return `${s.slice(0, 4)}-${s.slice(4)}`;
}

/**
 * The canonical form of a typed code (what OPAQUE sees): upper case, no separators, and the
 * letters Crockford reads as digits (O→0, I/L→1). Null if it is not 8 characters of the alphabet.
 */
export function normaliseCode(typed: string): string | null {
  const s = typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (s.length !== CODE_CHARS || ![...s].every((c) => ALPHABET.includes(c))) return null;
  return s;
}

/** Creates (and replaces) the user's pending invitation; returns the code to show. */
export async function createInvitation(userDir: string, account: string, ksf: KsfParams, random: RandomSource, now: number, ttlMs = INVITATION_TTL_MS): Promise<string> {
  await opaqueReady;
  const code = newCode(random);
  const pw = utf8(normaliseCode(code) ?? '');
  const serverSetup = createServerSetup();
  const record = registerLocally(serverSetup, account, pw, ksf);
  pw.fill(0);
  await atomicWriteFile(invitationPath(userDir), jsonBytes({ version: 1, account, serverSetup, record: toB64url(record), ksf, created: now, expiresAt: now + ttlMs }));
  return code;
}

function decode(v: unknown): Invitation {
  if (typeof v !== 'object' || v === null) throw new Error('not an object');
  const o = v as Record<string, unknown>;
  const ksf = o.ksf as Record<string, unknown> | undefined;
  if (o.version !== 1 || typeof o.account !== 'string' || typeof o.serverSetup !== 'string' || typeof o.record !== 'string'
    || typeof o.created !== 'number' || typeof o.expiresAt !== 'number' || typeof ksf !== 'object'
    || typeof ksf.memoryKiB !== 'number' || typeof ksf.iterations !== 'number' || typeof ksf.parallelism !== 'number') throw new Error('unexpected shape');
  return {
    account: o.account, serverSetup: o.serverSetup, record: fromB64url(o.record), created: o.created, expiresAt: o.expiresAt,
    ksf: { memoryKiB: ksf.memoryKiB, iterations: ksf.iterations, parallelism: ksf.parallelism },
  };
}

/** The pending invitation, read synchronously (inside a handshake step), or null. */
export function readInvitationSync(userDir: string): Invitation | null {
  const path = invitationPath(userDir);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return null;
    throw storageError('read', path, e);
  }
  try {
    return decode(parseJsonBytes(bytes, path, 'STORAGE_ERROR'));
  } catch (e) {
    throw localError('STORAGE_ERROR', `${path} is not a valid invitation`, e);
  }
}

/** Deletes the pending invitation (used once). */
export function consumeInvitationSync(userDir: string): void {
  try {
    rmSync(invitationPath(userDir), { force: true });
  } catch (e) {
    throw storageError('remove', invitationPath(userDir), e);
  }
}
