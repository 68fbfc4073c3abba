/**
 * The local user's Ed25519 identity key (RFC 8032), created on first use and stored as
 * `identity.json` (0600, secret): `{"version":1,"type":"ed25519","seed":b64,"publicKey":b64,
 * "created":ISO-8601}`. The public key is stored too so a damaged file is detected on load.
 */
import { ed25519PublicFromSeed } from '../crypto/ecc.js';
import { ctEqual, fromB64, toB64, wipe } from '../crypto/bytes.js';
import { systemRandom, type RandomSource } from '../crypto/random.js';
import { localError } from '../errors.js';
import { basename } from 'node:path';
import { filesIn } from './home.js';
import { atomicCreateFile, jsonBytes, readJsonFile, readJsonFileIfExists } from './storage.js';
import { keyFingerprint, type Fingerprint } from './fingerprint.js';

export interface IdentityKey {
  /** Secret 32-byte seed; wipe with `wipe(identity.seed)` when done (best effort). */
  readonly seed: Uint8Array;
  /** Raw 32-byte public key. */
  readonly publicKey: Uint8Array;
  readonly fingerprint: Fingerprint;
  /** When the key was created (ms since the epoch). */
  readonly created: number;
}

function b64Field(o: Record<string, unknown>, field: string): Uint8Array {
  const v = o[field];
  if (typeof v !== 'string') throw new Error(`field "${field}" is missing or not a string`);
  let b: Uint8Array;
  try {
    b = fromB64(v);
  } catch {
    throw new Error(`field "${field}" is not base64`);
  }
  if (b.length !== 32) throw new Error(`field "${field}" is not 32 bytes`);
  return b;
}

function decodeIdentity(value: unknown): IdentityKey {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('it is not a JSON object');
  const o = value as Record<string, unknown>;
  if (o['version'] !== 1 || o['type'] !== 'ed25519') throw new Error('it is not a version 1 Ed25519 identity');
  const seed = b64Field(o, 'seed');
  const publicKey = b64Field(o, 'publicKey');
  const created = typeof o['created'] === 'string' ? Date.parse(o['created']) : NaN;
  if (!Number.isFinite(created)) throw new Error('field "created" is not a date');
  if (!ctEqual(ed25519PublicFromSeed(seed), publicKey)) {
    wipe(seed);
    throw new Error('its public key does not match its secret key (the file is damaged)');
  }
  return { seed, publicKey, fingerprint: keyFingerprint(publicKey), created };
}

/** Loads the identity key of the user whose directory is `userDir`; `NOT_INITIALISED` if none. */
export async function loadIdentity(userDir: string): Promise<IdentityKey> {
  const path = filesIn(userDir).identity;
  const id = await readJsonFileIfExists(path, decodeIdentity);
  if (id === undefined) throw localError('NOT_INITIALISED', `no identity key in ${userDir}; run \`securechat init --user ${basename(userDir)}\` first`);
  return id;
}

/**
 * Loads the identity key, creating it first if there is none (the user directory must exist;
 * see `ensureUserDir`). Creation is atomic and never replaces an existing file, even a damaged
 * one (that is a `STORAGE_ERROR`); two processes racing end up with the same key.
 */
export async function loadOrCreateIdentity(userDir: string, random: RandomSource = systemRandom, now: number = Date.now()): Promise<{ identity: IdentityKey; created: boolean }> {
  const path = filesIn(userDir).identity;
  const existing = await readJsonFileIfExists(path, decodeIdentity);
  if (existing !== undefined) return { identity: existing, created: false };
  const seed = random(32);
  if (seed.length !== 32) throw localError('INTERNAL', 'the random source returned the wrong length');
  const publicKey = ed25519PublicFromSeed(seed);
  const doc = { version: 1, type: 'ed25519', seed: toB64(seed), publicKey: toB64(publicKey), created: new Date(now).toISOString() };
  const bytes = jsonBytes(doc);
  const created = await atomicCreateFile(path, bytes);
  wipe(bytes);
  if (!created) {
    wipe(seed);
    return { identity: await readJsonFile(path, decodeIdentity), created: false };
  }
  return { identity: { seed, publicKey, fingerprint: keyFingerprint(publicKey), created: now }, created: true };
}
