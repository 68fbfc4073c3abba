/**
 * The relay's static X25519 key (docs/RELAY.md §2.1): clients pin its public half. Kept in one
 * private file, `{"version": 1, "key": "<64 hex digits>"}`, created on first start. Relays
 * that share a NATS cluster must share this file, so that any of them is the relay a client
 * pinned. SECRET: whoever holds it can impersonate the relay (not read messages: they are
 * end-to-end encrypted).
 */
import { fromHex, toHex } from '../crypto/bytes.js';
import type { RandomSource } from '../crypto/random.js';
import { localError } from '../errors.js';
import { atomicWriteFile, readFileIfExists } from '../fs/private-files.js';
import { MAX_RELAY_KEY_FILE_BYTES } from '../limits.js';
import { keyPairFrom, type KeyPair } from './noise-nk.js';

/** Loads the key at `path`, or creates it (mode 0600) when the file does not exist. */
export async function loadOrCreateRelayKey(path: string, random: RandomSource): Promise<{ key: KeyPair; created: boolean }> {
  const bytes = await readFileIfExists(path, MAX_RELAY_KEY_FILE_BYTES);
  if (bytes === undefined) {
    const priv = random(32);
    await atomicWriteFile(path, new TextEncoder().encode(`${JSON.stringify({ version: 1, key: toHex(priv) })}\n`));
    return { key: keyPairFrom(priv), created: true };
  }
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw localError('STORAGE_ERROR', `the relay key file ${path} is not JSON`);
  }
  const o = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  const hex = o['key'];
  if (o['version'] !== 1 || typeof hex !== 'string' || !/^[0-9a-f]{64}$/.test(hex)) throw localError('STORAGE_ERROR', `the relay key file ${path} must hold {"version": 1, "key": "<64 hex digits>"}`);
  return { key: keyPairFrom(fromHex(hex)), created: false };
}
