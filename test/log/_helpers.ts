/** Shared helpers for the log tests: a scripted conversation, record spans, byte surgery. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deterministicRandom } from '../../src/crypto/random.js';
import { concat } from '../../src/crypto/bytes.js';
import { appendEvent, encodeHead, newLog, type ChainState } from '../../src/log/chain.js';
import { EventKind, Verification, type LogEvent } from '../../src/log/event.js';
import { HEADER_BYTES, parseRecordAt } from '../../src/log/format.js';
import { deriveLogKeys, type LogKeys } from '../../src/log/keys.js';
import { LogWriter, logPaths, type LogPaths } from '../../src/log/file.js';

export const SECRET = new Uint8Array(32).fill(7);
export const OTHER_SECRET = new Uint8Array(32).fill(9);
export const keys = (): LogKeys => deriveLogKeys(SECRET);

/** A conversation as the chat layer will log it: start, messages both ways, key change, failure, end. */
export function conversation(n: number): LogEvent[] {
  const t = 1_780_000_000_000;
  const out: LogEvent[] = [
    { kind: EventKind.CONVERSATION_START, at: t, peer: 'bob', fingerprint: 'ab12 cd34 ef56', verification: Verification.FIRST_USE, address: '127.0.0.1:4000' },
  ];
  for (let i = 0; out.length < n - 3; i++) {
    out.push(i % 2 === 0
      ? { kind: EventKind.MESSAGE_SENT, at: t + i, peer: 'bob', text: `hello ${i}`, id: String(i) }
      : { kind: EventKind.MESSAGE_RECEIVED, at: t + i, peer: 'bob', text: `reply ${i} \u00e9\u{1F600}` });
  }
  out.push({ kind: EventKind.AUTH_FAILED, at: t + 1000, reason: 'bad password', address: '10.0.0.9' });
  out.push({ kind: EventKind.KEY_CHANGE, at: t + 1001, peer: 'bob', oldFingerprint: 'ab12', newFingerprint: 'ff00', accepted: false });
  out.push({ kind: EventKind.CONVERSATION_END, at: t + 1002, peer: 'bob', reason: 'closed by peer' });
  return out.slice(0, n);
}

export interface Built {
  readonly file: Uint8Array;
  readonly head: Uint8Array;
  /** Head after each record count: heads[c] vouches for c records. */
  readonly heads: Uint8Array[];
  /** Byte size of the file after c records. */
  readonly sizes: number[];
  readonly state: ChainState;
  /** For every record index, the event it holds (undefined for checkpoints). */
  readonly events: (LogEvent | undefined)[];
}

/** Builds a log in memory with the pure chain (deterministic bytes). */
export function build(events: readonly LogEvent[], checkpointEvery = 5, k: LogKeys = keys(), seed = 'log-test'): Built {
  const rnd = deterministicRandom(seed);
  const created = newLog(k, rnd);
  let state = created.state;
  const parts: Uint8Array[] = [created.header];
  const heads = [encodeHead(k, state)];
  const sizes = [HEADER_BYTES];
  const recs: (LogEvent | undefined)[] = [];
  let size = HEADER_BYTES;
  for (const e of events) {
    const r = appendEvent(k, state, e, rnd, checkpointEvery);
    parts.push(r.bytes);
    // Split the appended bytes back into records to know every intermediate size and head.
    let off = 0;
    while (off < r.bytes.length) {
      const s = parseRecordAt(r.bytes, off);
      if (s.kind !== 'record') throw new Error('bad build');
      recs.push(recs.length === r.index ? e : undefined);
      size += s.record.end - off;
      off = s.record.end;
      sizes.push(size);
    }
    state = r.state;
    heads[state.count] = encodeHead(k, state);
  }
  const file = concat(...parts);
  // Heads for counts that ended in the middle of an append (event + checkpoint) too.
  return { file, head: encodeHead(k, state), heads, sizes, state, events: recs };
}

/** Byte spans [start, end) of every record. */
export function spans(file: Uint8Array): [number, number][] {
  const out: [number, number][] = [];
  for (let off = HEADER_BYTES; ; ) {
    const s = parseRecordAt(file, off);
    if (s.kind !== 'record') return out;
    out.push([s.record.start, s.record.end]);
    off = s.record.end;
  }
}

export function rec(file: Uint8Array, i: number): Uint8Array {
  const sp = spans(file)[i];
  if (sp === undefined) throw new Error(`no record ${i}`);
  return file.slice(sp[0], sp[1]);
}

/** The file with its records replaced by `order` (indices of original records; arrays for raw bytes). */
export function rebuild(file: Uint8Array, order: readonly (number | Uint8Array)[]): Uint8Array {
  return concat(file.subarray(0, HEADER_BYTES), ...order.map((o) => (typeof o === 'number' ? rec(file, o) : o)));
}

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** The head record that vouches for the first `c` records of `file` (as a crash-time head would). */
export function headAt(file: Uint8Array, c: number, k: LogKeys = keys()): Uint8Array {
  const logId = file.slice(8, 24);
  const lastMac = c === 0 ? file.slice(HEADER_BYTES - 32, HEADER_BYTES) : rec(file, c - 1).slice(-32);
  return encodeHead(k, { logId, count: c, lastMac });
}

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'securechat-log-'));
}

export async function cleanup(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Writes a real conversation through the file adapter; returns the paths and the file bytes. */
export async function writeReal(userDir: string, n: number, checkpointEvery = 5): Promise<{ paths: LogPaths; file: Uint8Array; head: Uint8Array }> {
  const paths = logPaths(userDir);
  const w = await LogWriter.open({ paths, secret: SECRET, checkpointEvery });
  for (const e of conversation(n)) await w.append(e);
  await w.close();
  return { paths, file: new Uint8Array(await readFile(paths.file)), head: new Uint8Array(await readFile(paths.head)) };
}
