/**
 * Key-stretching pins (issue 10, finding 7): the Argon2id parameters each listener account
 * asked for at our first successful login with it, in `listener_ksf.json` (0600) beside
 * known_peers.json. ServerHello's parameters are unauthenticated until the handshake ends, so
 * a man in the middle could ask for the most expensive ones on every attempt; with a pin the
 * initiator refuses more than the pinned cost (KSF_PARAMS_REFUSED) unless the user consents
 * (`--accept-ksf`), and the pin follows the parameters of each later successful login.
 *
 *   { "version": 1, "pins": { "alice": { "memoryKiB": 65536, "iterations": 3, "parallelism": 4 } } }
 */
import { join } from 'node:path';
import type { KsfParams } from '../crypto/opaque.js';
import { utf8 } from '../crypto/bytes.js';
import { atomicWriteFile, readJsonFileIfExists } from './storage.js';

export type KsfPins = ReadonlyMap<string, KsfParams>;

const FILE = 'listener_ksf.json';

function isPos(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

function decode(v: unknown): KsfPins {
  const doc = v as { version?: unknown; pins?: unknown };
  if (typeof v !== 'object' || v === null || doc.version !== 1 || typeof doc.pins !== 'object' || doc.pins === null) throw new Error('not a version 1 key-stretching pin file');
  const out = new Map<string, KsfParams>();
  for (const [name, p] of Object.entries(doc.pins as Record<string, unknown>)) {
    const k = p as Record<string, unknown>;
    if (typeof p !== 'object' || p === null || !isPos(k['memoryKiB']) || !isPos(k['iterations']) || !isPos(k['parallelism'])) throw new Error(`pin "${name}" must hold positive integers memoryKiB, iterations, parallelism`);
    out.set(name, { memoryKiB: k['memoryKiB'], iterations: k['iterations'], parallelism: k['parallelism'] });
  }
  return out;
}

export async function loadKsfPins(userDir: string): Promise<KsfPins> {
  return (await readJsonFileIfExists(join(userDir, FILE), decode)) ?? new Map();
}

/** Stores `ksf` as the pin of `account` (after a successful login); returns the new pins. */
export async function pinKsf(userDir: string, account: string, ksf: KsfParams): Promise<KsfPins> {
  const pins = new Map(await loadKsfPins(userDir));
  pins.set(account, { memoryKiB: ksf.memoryKiB, iterations: ksf.iterations, parallelism: ksf.parallelism });
  const doc = { version: 1, pins: Object.fromEntries([...pins].sort(([a], [b]) => (a < b ? -1 : 1))) };
  await atomicWriteFile(join(userDir, FILE), utf8(`${JSON.stringify(doc, null, 2)}\n`));
  return pins;
}

/** Whether `asked` costs more than `pinned` in any dimension. */
export function ksfIncrease(pinned: KsfParams, asked: KsfParams): boolean {
  return asked.memoryKiB > pinned.memoryKiB || asked.iterations > pinned.iterations || asked.parallelism > pinned.parallelism;
}
