/**
 * Generator of test/vectors/log-v3.json (see test/vectors/README.md, docs/LOG-FORMAT.md §3):
 * from a fixed log secret and deterministicRandom, the derived keys, format 3's salt key and
 * entry materials, and two whole logs (format 1 and format 3) with their head files. The
 * format-3 log is written in commits of several events, so that records share a salt.
 */
import { toHex } from '../../src/crypto/bytes.js';
import { deterministicRandom } from '../../src/crypto/random.js';
import { appendEvents, encodeHeadFile, newLog } from '../../src/log/chain.js';
import { deriveLogKeys, entryMaterials, saltKey } from '../../src/log/keys.js';
import type { LogFileFormat } from '../../src/log/format.js';
import type { LogEvent } from '../../src/log/event.js';
import { conversation } from './_helpers.js';

export const VECTOR_SECRET = new Uint8Array(32).fill(7);
const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

export interface LogVectorFile {
  readonly secret: string;
  readonly keys: { chain: string; head: string; entry: string; entry3: string; keyCheck: string };
  readonly saltKey: { logId: string; salt: string; key: string };
  readonly entryMaterials: { key: string; first: number; count: number; materials: string }[];
  readonly logs: { format: LogFileFormat; seed: string; checkpointEvery: number; commits: number[]; events: LogEvent[]; file: string; headFile: string }[];
}

function log(format: LogFileFormat, commits: readonly number[]): LogVectorFile['logs'][number] {
  const k = deriveLogKeys(VECTOR_SECRET);
  const seed = `log vectors v${format}`;
  const rnd = deterministicRandom(seed);
  const events = conversation(commits.reduce((a, b) => a + b, 0));
  const created = newLog(k, rnd, format);
  let state = created.state;
  const parts = [Buffer.from(created.header)];
  let at = 0;
  for (const n of commits) {
    const r = appendEvents(k, state, events.slice(at, at + n), rnd, 3);
    at += n;
    parts.push(Buffer.from(r.bytes));
    state = r.state;
  }
  return { format, seed, checkpointEvery: 3, commits: [...commits], events, file: Buffer.concat(parts).toString('hex'), headFile: toHex(encodeHeadFile(k, state)) };
}

export function generateLogVectors(): LogVectorFile {
  const k = deriveLogKeys(VECTOR_SECRET);
  const logId = hex('000102030405060708090a0b0c0d0e0f');
  const salt = hex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
  const ks = saltKey(k, logId, salt);
  const mat = (first: number, count: number) => ({ key: toHex(ks), first, count, materials: toHex(entryMaterials(ks, first, count)) });
  return {
    secret: toHex(VECTOR_SECRET),
    keys: { chain: toHex(k.chain), head: toHex(k.head), entry: toHex(k.entry), entry3: toHex(k.entry3), keyCheck: toHex(k.keyCheck) },
    saltKey: { logId: toHex(logId), salt: toHex(salt), key: toHex(ks) },
    entryMaterials: [mat(0, 3), mat(255, 2), mat(2 ** 40 + 5, 1), mat(2 ** 48 - 1, 1)],
    logs: [log(1, [1, 1, 1, 1, 1, 1, 1]), log(3, [1, 3, 2, 1])],
  };
}
