/**
 * Verification of a whole log (pure): walks the chain, checks the head record and an optional
 * anchor, and names the first problem precisely (docs/LOG-FORMAT.md §5). Never throws for any
 * file, head or anchor bytes; only a wrong-length secret (deriving keys) can throw, and not here.
 */
import { ctEqual, fromHex } from '../crypto/bytes.js';
import { localError } from '../errors.js';
import { decodeEvent, type LogEvent } from './event.js';
import { decodeHeadFile, encodeHead, entryMac, headerMac, RecordOpener, type ChainState, type Head } from './chain.js';
import { HEADER_BYTES, parseHeader, parseRecordAt, RecordType, type LogFileFormat, type RawRecord } from './format.js';
import type { LogKeys } from './keys.js';

export const ProblemKind = {
  /** An entry's bytes (or the header's) were changed. */
  EDITED: 'edited',
  /** Entries are missing from the middle of the log. */
  DELETED: 'deleted',
  /** Entries are present but out of order. */
  REORDERED: 'reordered',
  /** An entry was added: a copy of an earlier one, or one the key did not make. */
  INSERTED: 'inserted',
  /** Entries the head record (or the anchor) vouches for are missing at the end. */
  TRUNCATED: 'truncated',
  /** The last entry is incomplete, and nothing vouched for it: a write cut short by a crash. */
  TORN_TAIL: 'torn-tail',
  /** The log was written under a different log secret. */
  WRONG_KEY: 'wrong-key',
  /** The head record is missing, malformed, edited, or belongs to another log. */
  HEAD_INVALID: 'head-invalid',
  /** The log holds a different history than the head or anchor recorded at that index. */
  ROLLED_BACK: 'rolled-back',
} as const;
export type ProblemKind = (typeof ProblemKind)[keyof typeof ProblemKind];

export interface Problem {
  readonly kind: ProblemKind;
  /** Index of the first bad (or first missing) entry. 0 for problems of the file header. */
  readonly index: number;
  /** Local explanation, no secrets, no plaintext. */
  readonly detail: string;
}

export interface VerifiedEntry {
  readonly index: number;
  readonly event: LogEvent;
}

/** A head remembered outside the home (see `formatAnchor`): detects a rollback of log + head. */
export interface Anchor {
  readonly count: number;
  /** A prefix (8..32 bytes) of the MAC of record `count - 1` (the header MAC when 0). */
  readonly macPrefix: Uint8Array;
}

export interface VerifyOptions {
  /** The head file's bytes; `undefined` when the head file does not exist. */
  readonly head: Uint8Array | undefined;
  readonly anchor?: Anchor;
  /** Keep decrypted events in the result (for `log show`). Entries are always decrypted and checked. */
  readonly keepEntries?: boolean;
}

interface Common {
  /** Records (events and checkpoints) in the verified prefix. */
  readonly records: number;
  /** Events among them. */
  readonly events: number;
  /** Byte length of the verified prefix (header + verified records). */
  readonly verifiedBytes: number;
  /** Chain state after the verified prefix; `undefined` when the header itself is bad. */
  readonly state: ChainState | undefined;
  /** The head record's count, when the head authenticated. */
  readonly headCount: number | undefined;
  readonly entries: readonly VerifiedEntry[];
}
export type VerifyResult =
  | (Common & { readonly ok: true; /** Records the head does not cover yet (a crash between the log's fsync and the head's write). */ readonly headBehind: number })
  | (Common & { readonly ok: false; readonly problem: Problem });

export function verifyLog(k: LogKeys, file: Uint8Array, opts: VerifyOptions): VerifyResult {
  const entries: VerifiedEntry[] = [];
  const bad = (problem: Problem, rest: Partial<Common> = {}): VerifyResult => ({
    ok: false, problem, records: 0, events: 0, verifiedBytes: 0, state: undefined, headCount: undefined, entries, ...rest,
  });

  // ---- header ----
  const hs = parseHeader(file);
  if (hs.kind === 'not-a-log') return bad({ kind: 'edited', index: 0, detail: 'not a SecureChat log (bad magic in the file header)' });
  if (hs.kind === 'partial') return bad({ kind: 'truncated', index: 0, detail: 'the file ends inside its header' });
  const { format, logId, keyCheck, mac: hmac } = hs.header;
  if (!ctEqual(keyCheck, k.keyCheck)) return bad({ kind: 'wrong-key', index: 0, detail: 'the log was written under a different log secret' });
  const genesis = headerMac(k, logId, format);
  if (!ctEqual(hmac, genesis)) return bad({ kind: 'edited', index: 0, detail: 'file header MAC does not verify' });
  const opener = new RecordOpener(k, format, logId);
  try {
    return verifyChain(k, file, opts, { format, logId, genesis, opener, bad, entries });
  } finally {
    opener.wipe();
  }
}

interface ChainCtx {
  readonly format: LogFileFormat;
  readonly logId: Uint8Array;
  readonly genesis: Uint8Array;
  readonly opener: RecordOpener;
  readonly bad: (problem: Problem, rest?: Partial<Common>) => VerifyResult;
  readonly entries: VerifiedEntry[];
}

function verifyChain(k: LogKeys, file: Uint8Array, opts: VerifyOptions, c: ChainCtx): VerifyResult {
  const { format, logId, genesis, opener, bad, entries } = c;
  const keep = opts.keepEntries === true;

  // ---- head ----
  let head: Head | undefined;
  let headProblem: string | undefined;
  if (opts.head === undefined) headProblem = 'the head file is missing: truncation cannot be ruled out';
  else {
    const d = decodeHeadFile(k, opts.head, logId);
    if (!d.ok) headProblem = d.detail;
    else head = d.head;
  }
  const headCount = head?.count;
  const vouched = (p: number): boolean => headCount === undefined || p < headCount;

  // ---- chain ----
  let prev = genesis;
  let off = HEADER_BYTES;
  let p = 0;
  let events = 0;
  let since = 0;
  const macAt = new Map<number, Uint8Array>([[-1, genesis]]);
  const progress = (): Partial<Common> => ({
    records: p, events, verifiedBytes: off, headCount, state: { format, logId: logId.slice(), count: p, lastMac: prev.slice(), sinceCheckpoint: since },
  });
  const want = new Set<number>();
  if (head !== undefined) want.add(head.count - 1);
  if (opts.anchor !== undefined) want.add(opts.anchor.count - 1);

  for (;;) {
    const step = parseRecordAt(file, off);
    if (step.kind === 'eof') break;
    if (step.kind === 'partial') {
      if (vouched(p) && headCount !== undefined) {
        return bad({ kind: 'truncated', index: p, detail: `the file ends inside entry ${p}, and the head vouches for ${headCount}` }, progress());
      }
      return bad({ kind: 'torn-tail', index: p, detail: `the last entry (${p}) is incomplete: a write was cut short` }, progress());
    }
    if (step.kind === 'bad') {
      if (!vouched(p) || headCount === undefined) {
        if (allZero(file, step.start)) return bad({ kind: 'torn-tail', index: p, detail: `entry ${p} onwards is zero bytes: a write was cut short` }, progress());
      }
      if (!vouched(p)) return bad({ kind: 'inserted', index: p, detail: `unframed bytes after the entries the head vouches for (${step.detail})` }, progress());
      return bad({ kind: 'edited', index: p, detail: `entry ${p}: ${step.detail}` }, progress());
    }
    const r = step.record;
    const mac = r.index === p ? entryMac(k, logId, prev, p, r.type, r.salt, r.sealed) : undefined;
    if (mac === undefined || !ctEqual(mac, r.mac)) return bad(classify(k, opener, file, logId, prev, p, r, vouched(p)), progress());
    const pt = opener.open(p, r.type, r.salt, r.sealed);
    if (pt === null) return bad({ kind: 'edited', index: p, detail: `entry ${p}: MAC verifies but the ciphertext does not (corrupt writer)` }, progress());
    if (r.type === RecordType.EVENT) {
      let event: LogEvent;
      try {
        event = decodeEvent(pt);
      } catch {
        return bad({ kind: 'edited', index: p, detail: `entry ${p}: authentic but does not decode as an event` }, progress());
      }
      if (keep) entries.push({ index: p, event });
      events++;
      since++;
    } else {
      if (!ctEqual(pt, encodeHead(k, { logId, count: p, lastMac: prev }))) {
        return bad({ kind: 'edited', index: p, detail: `checkpoint ${p} does not match the chain` }, progress());
      }
      since = 0;
    }
    prev = r.mac.slice();
    off = r.end;
    if (want.has(p)) macAt.set(p, prev);
    p++;
  }

  // ---- end of the file: compare with the head and the anchor ----
  if (head !== undefined) {
    if (head.count > p) return bad({ kind: 'truncated', index: p, detail: `the log has ${p} entries, the head vouches for ${head.count}` }, progress());
    const m = macAt.get(head.count - 1);
    if (m === undefined || !ctEqual(m, head.lastMac)) {
      return bad({ kind: 'rolled-back', index: Math.max(0, head.count - 1), detail: `entry ${head.count - 1} differs from the one the head recorded` }, progress());
    }
  }
  const a = opts.anchor;
  if (a !== undefined) {
    if (a.count > p) return bad({ kind: 'truncated', index: p, detail: `the log has ${p} entries, the anchor vouches for ${a.count}` }, progress());
    const m = macAt.get(a.count - 1);
    if (m === undefined || !ctEqual(m.subarray(0, a.macPrefix.length), a.macPrefix)) {
      return bad({ kind: 'rolled-back', index: Math.max(0, a.count - 1), detail: `entry ${a.count - 1} differs from the one the anchor recorded` }, progress());
    }
  }
  if (headProblem !== undefined) return bad({ kind: 'head-invalid', index: p, detail: headProblem }, progress());
  const done = progress();
  return { ok: true, records: p, events, verifiedBytes: off, state: done.state, headCount, entries, headBehind: p - (headCount ?? p) };
}

/**
 * Names what is wrong with record `r` found at position `p` whose MAC (or index) does not fit
 * the chain. The entry's own AEAD tag, which does not depend on the chain, tells an authentic
 * entry in the wrong place (deleted / reordered / duplicated) from bytes the key never made.
 */
function classify(k: LogKeys, opener: RecordOpener, file: Uint8Array, logId: Uint8Array, prev: Uint8Array, p: number, r: RawRecord, vouched: boolean): Problem {
  const authentic = opener.open(r.index, r.type, r.salt, r.sealed) !== null;
  if (authentic && r.index < p) return { kind: 'inserted', index: p, detail: `entry ${p} is a copy of entry ${r.index}` };
  if (authentic && r.index > p) {
    // Is the genuine entry p somewhere later? Then the entries were reordered; else deleted.
    for (let off = r.end; ; ) {
      const s = parseRecordAt(file, off);
      if (s.kind !== 'record') break;
      if (s.record.index === p && ctEqual(s.record.mac, entryMac(k, logId, prev, p, s.record.type, s.record.salt, s.record.sealed))) {
        return { kind: 'reordered', index: p, detail: `entry ${p} appears after entry ${r.index}` };
      }
      off = s.record.end;
    }
    return { kind: 'deleted', index: p, detail: `entries ${p}..${r.index - 1} are missing` };
  }
  if (authentic) return { kind: 'edited', index: p, detail: `entry ${p}: its chain MAC was changed (or it comes from another copy of this log)` };
  // Not made by this key at its stated index: forged or edited. If the genuine entry p follows it, it was inserted.
  const next = parseRecordAt(file, r.end);
  if (next.kind === 'record' && next.record.index === p && ctEqual(next.record.mac, entryMac(k, logId, prev, p, next.record.type, next.record.salt, next.record.sealed))) {
    return { kind: 'inserted', index: p, detail: `a forged entry was inserted before entry ${p}` };
  }
  if (!vouched && next.kind === 'eof') {
    if (allZero(r.mac, 0)) return { kind: 'torn-tail', index: p, detail: `the last entry (${p}) ends in zero bytes: a write was cut short` };
    return { kind: 'inserted', index: p, detail: `a forged entry follows the entries the head vouches for` };
  }
  return { kind: 'edited', index: p, detail: `entry ${p}: MAC does not verify` };
}

function allZero(b: Uint8Array, from: number): boolean {
  for (let i = from; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

// ---- anchors: "<count>:<hex of the first 16 bytes of the last MAC>" ----

export function formatAnchor(state: Pick<ChainState, 'count' | 'lastMac'>): string {
  return `${state.count}:${Buffer.from(state.lastMac.subarray(0, 16)).toString('hex')}`;
}

export function parseAnchor(s: string): Anchor {
  const m = /^(\d{1,16}):([0-9a-f]{16,64})$/.exec(s.trim());
  if (m === null || m[1] === undefined || m[2] === undefined) throw localError('USAGE', 'an anchor looks like 42:0123456789abcdef0123456789abcdef');
  const count = Number(m[1]);
  if (!Number.isSafeInteger(count) || m[2].length % 2 !== 0) throw localError('USAGE', 'anchor out of range');
  return { count, macPrefix: fromHex(m[2]) };
}
