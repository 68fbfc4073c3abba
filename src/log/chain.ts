/**
 * The pure chain: builds the file header, entries, checkpoints and the head record.
 * No files, no clock, no randomness of its own (a {@link RandomSource} is passed in).
 * State is immutable: each call returns the bytes to append and the next state.
 *
 * Construction (docs/LOG-FORMAT.md §3): a MAC chain in the manner of Schneier & Kelsey's
 * secure audit logs (USENIX Security 1998) and the hash-chained logs of Crosby & Wallach:
 *   mac_i = HMAC-SHA256(K_chain, "SCLOG1 entry" || logId || mac_{i-1} || index || type || salt || sealed)
 * with mac_{-1} = the header MAC, and each entry sealed by AES-256-GCM under its own key and
 * nonce: expanded by HKDF from (logId, index, salt) in format 1; in format 3 derived with the
 * other records of its commit in one KBKDF pass from the commit's salt key (keys.ts).
 */
import { concat, ctEqual, readU64, u64be, utf8, wipe } from '../crypto/bytes.js';
import { hmacSha256, hmacSha256One } from '../crypto/hash.js';
import { open, sealInto, SuiteId } from '../crypto/aead.js';
import type { RandomSource } from '../crypto/random.js';
import { localError } from '../errors.js';
import {
  GCM_TAG_BYTES, HEAD_BYTES, HEAD_MAGIC, HEADER_BYTES, LOG_ID_BYTES, logMagic, MAC_BYTES, NEW_LOG_FORMAT,
  RECORD_FIXED_BYTES, RECORD_LEN_BYTES, RecordType, SALT_BYTES, type LogFileFormat,
} from './format.js';
import { encodeEvent, type LogEvent } from './event.js';
import { ENTRY_MATERIAL_BYTES, entryKeyMaterial, entryMaterials, V3_LAST_INDEX, saltKey, type LogKeys } from './keys.js';

const D_HEADER = utf8('SCLOG1 header');
const D_ENTRY = utf8('SCLOG1 entry');
const D_HEAD = utf8('SCLOG1 head');

/** Where the chain stands: enough to append the next entry and to write the head. */
export interface ChainState {
  /** How the log derives its entry keys (its header's magic; LOG-FORMAT.md §2). */
  readonly format: LogFileFormat;
  readonly logId: Uint8Array;
  /** Number of records (events and checkpoints) in the log. The next index. */
  readonly count: number;
  /** MAC of record `count - 1`, or the header MAC when the log is empty. */
  readonly lastMac: Uint8Array;
  /** Records since the last checkpoint (or the start). */
  readonly sinceCheckpoint: number;
}

export function headerMac(k: LogKeys, logId: Uint8Array, format: LogFileFormat = 1): Uint8Array {
  return hmacSha256(k.chain, D_HEADER, logMagic(format), logId, k.keyCheck);
}

/** The chain MAC of one record, its input built in one buffer (one native update). */
export function entryMac(k: LogKeys, logId: Uint8Array, prevMac: Uint8Array, index: number, type: RecordType, salt: Uint8Array, sealed: Uint8Array): Uint8Array {
  const m = new Uint8Array(D_ENTRY.length + LOG_ID_BYTES + MAC_BYTES + 9 + SALT_BYTES + sealed.length);
  let o = 0;
  m.set(D_ENTRY, o);
  m.set(logId, (o += D_ENTRY.length));
  m.set(prevMac, (o += LOG_ID_BYTES));
  writeU64(m, (o += MAC_BYTES), index);
  m[(o += 8)] = type;
  m.set(salt, (o += 1));
  m.set(sealed, o + SALT_BYTES);
  return hmacSha256One(k.chain, m);
}

function writeU64(b: Uint8Array, at: number, n: number): void {
  const dv = new DataView(b.buffer, b.byteOffset + at, 8);
  dv.setUint32(0, Math.floor(n / 2 ** 32), false);
  dv.setUint32(4, n >>> 0, false);
}

function aad(format: LogFileFormat, logId: Uint8Array, index: number, type: RecordType): Uint8Array {
  const a = new Uint8Array(8 + LOG_ID_BYTES + 1 + 8);
  a.set(logMagic(format), 0);
  a.set(logId, 8);
  a[8 + LOG_ID_BYTES] = type;
  writeU64(a, 8 + LOG_ID_BYTES + 1, index);
  return a;
}

/** Starts a new log: the header bytes (the file's first 72 bytes) and the empty state. */
export function newLog(k: LogKeys, random: RandomSource, format: LogFileFormat = NEW_LOG_FORMAT): { header: Uint8Array; state: ChainState } {
  const logId = random(LOG_ID_BYTES);
  if (logId.length !== LOG_ID_BYTES) throw localError('INTERNAL', 'random source returned the wrong length');
  const mac = headerMac(k, logId, format);
  const header = concat(logMagic(format), logId, k.keyCheck, mac);
  if (header.length !== HEADER_BYTES) throw localError('INTERNAL', 'header length');
  return { header, state: { format, logId, count: 0, lastMac: mac, sinceCheckpoint: 0 } };
}

/**
 * Seals one record's plaintext at `state.count` into `out` (exactly its length) with `material`
 * (key || nonce, not wiped here); returns the next state.
 */
function sealRecord(k: LogKeys, state: ChainState, type: RecordType, pt: Uint8Array, salt: Uint8Array, material: Uint8Array, out: Uint8Array): ChainState {
  const index = state.count;
  const sealedLen = pt.length + GCM_TAG_BYTES;
  const bodyLen = RECORD_FIXED_BYTES + sealedLen;
  if (out.length !== RECORD_LEN_BYTES + bodyLen) throw localError('INTERNAL', 'record length');
  new DataView(out.buffer, out.byteOffset, 4).setUint32(0, bodyLen, false);
  out[4] = type;
  writeU64(out, 5, index);
  out.set(salt, 13);
  const sealed = out.subarray(13 + SALT_BYTES, 13 + SALT_BYTES + sealedLen);
  sealInto(SuiteId.AES_256_GCM, material, aad(state.format, state.logId, index, type), pt, sealed);
  const mac = entryMac(k, state.logId, state.lastMac, index, type, salt, sealed);
  out.set(mac, out.length - MAC_BYTES);
  const sinceCheckpoint = type === RecordType.CHECKPOINT ? 0 : state.sinceCheckpoint + 1;
  return { format: state.format, logId: state.logId, count: index + 1, lastMac: mac, sinceCheckpoint };
}

export interface AppendResult {
  /** Bytes to append to the file, in one write: the event's record, then a checkpoint if due. */
  readonly bytes: Uint8Array;
  /** Index of the event's record. */
  readonly index: number;
  readonly state: ChainState;
}

export interface AppendManyResult {
  /** Bytes to append to the file, in one write: every accepted event's record (and checkpoints), in order. */
  readonly bytes: Uint8Array;
  /** Per event, in order: the index of its record, or why it was refused (a malformed event). */
  readonly outcomes: readonly ({ readonly index: number } | { readonly error: Error })[];
  readonly state: ChainState;
}

/**
 * Appends one event. When `checkpointEvery` records have passed since the last checkpoint, a
 * checkpoint record follows it in the same bytes (so one write and one fsync cover both).
 */
export function appendEvent(k: LogKeys, state: ChainState, event: LogEvent, random: RandomSource, checkpointEvery: number): AppendResult {
  const r = appendEvents(k, state, [event], random, checkpointEvery);
  const o = r.outcomes[0];
  if (o === undefined) throw localError('INTERNAL', 'no outcome');
  if ('error' in o) throw o.error;
  return { bytes: r.bytes, index: o.index, state: r.state };
}

/**
 * Appends the events of one group commit, in order, each followed by a checkpoint when one is
 * due. A malformed event is refused (its outcome holds the error) and the others go on.
 * Format 3: every record of the commit carries the same fresh salt, and their key materials
 * come from one derivation (keys.ts `entryMaterials`), wiped once the records are sealed.
 * Format 1: a fresh salt and an HKDF expansion per record, as that format specifies.
 */
export function appendEvents(k: LogKeys, state: ChainState, events: readonly LogEvent[], random: RandomSource, checkpointEvery: number): AppendManyResult {
  if (!Number.isSafeInteger(checkpointEvery) || checkpointEvery < 1) throw localError('USAGE', 'checkpointEvery must be a positive integer');
  const outcomes: ({ index: number } | { error: Error })[] = new Array<{ index: number } | { error: Error }>(events.length);
  // Plaintexts first: how many records the commit holds (events + checkpoints due) and its size.
  const pts: (Uint8Array | null)[] = [];
  let records = 0;
  let since = state.sinceCheckpoint;
  let bytes = 0;
  for (const [i, e] of events.entries()) {
    try {
      const pt = encodeEvent(e);
      pts.push(pt);
      records++;
      bytes += RECORD_LEN_BYTES + RECORD_FIXED_BYTES + pt.length + GCM_TAG_BYTES;
      if (++since >= checkpointEvery) {
        records++;
        since = 0;
        bytes += RECORD_LEN_BYTES + RECORD_FIXED_BYTES + HEAD_BYTES + GCM_TAG_BYTES;
      }
    } catch (err) {
      pts.push(null);
      outcomes[i] = { error: err instanceof Error ? err : new Error(String(err)) };
    }
  }
  if (records === 0) return { bytes: new Uint8Array(0), outcomes, state };
  const last = state.count + records - 1;
  if (!Number.isSafeInteger(last + 1) || (state.format === 3 && last > V3_LAST_INDEX)) throw localError('LIMIT_REACHED', 'the log index would pass its limit');
  const out = new Uint8Array(bytes);
  let materials: Uint8Array | undefined;
  let salt: Uint8Array | undefined;
  if (state.format === 3) {
    salt = freshSalt(random);
    const ks = saltKey(k, state.logId, salt);
    try {
      materials = entryMaterials(ks, state.count, records);
    } finally {
      wipe(ks);
    }
  }
  try {
    const first = state.count;
    let s = state;
    let o = 0;
    const seal1 = (type: RecordType, pt: Uint8Array): void => {
      const len = RECORD_LEN_BYTES + RECORD_FIXED_BYTES + pt.length + GCM_TAG_BYTES;
      const recSalt = salt ?? freshSalt(random);
      const m = materials === undefined
        ? entryKeyMaterial(k, s.logId, s.count, recSalt)
        : materials.subarray((s.count - first) * ENTRY_MATERIAL_BYTES, (s.count - first + 1) * ENTRY_MATERIAL_BYTES);
      try {
        s = sealRecord(k, s, type, pt, recSalt, m, out.subarray(o, o + len));
      } finally {
        wipe(m);
      }
      o += len;
    };
    for (const [i, pt] of pts.entries()) {
      if (pt === null) continue;
      outcomes[i] = { index: s.count };
      seal1(RecordType.EVENT, pt);
      if (s.sinceCheckpoint >= checkpointEvery) seal1(RecordType.CHECKPOINT, encodeHead(k, s));
    }
    if (o !== out.length) throw localError('INTERNAL', 'commit length');
    return { bytes: out, outcomes, state: s };
  } finally {
    wipe(materials);
  }
}

function freshSalt(random: RandomSource): Uint8Array {
  const salt = random(SALT_BYTES);
  if (salt.length !== SALT_BYTES) throw localError('INTERNAL', 'random source returned the wrong length');
  return salt;
}

/**
 * Opens records for a reader (verify). Format 3 derives a salt key per salt, which the
 * records of one commit share: the last one is kept until another salt comes or {@link wipe}.
 */
export class RecordOpener {
  #salt: Uint8Array | undefined;
  #key: Uint8Array | undefined;

  constructor(private readonly k: LogKeys, private readonly format: LogFileFormat, private readonly logId: Uint8Array) {}

  /** The record's plaintext; `null` when it does not authenticate at that index. */
  open(index: number, type: RecordType, salt: Uint8Array, sealed: Uint8Array): Uint8Array | null {
    if (this.format === 1) return openRecord(this.k, this.logId, index, type, salt, sealed);
    if (index > V3_LAST_INDEX) return null;
    if (this.#key === undefined || this.#salt === undefined || !ctEqual(this.#salt, salt)) {
      this.wipe();
      this.#salt = salt.slice();
      this.#key = saltKey(this.k, this.logId, salt);
    }
    return openWith(entryMaterials(this.#key, index, 1), aad(3, this.logId, index, type), sealed);
  }

  wipe(): void {
    wipe(this.#key);
    this.#key = undefined;
    this.#salt = undefined;
  }
}

/** Opens with `material`, then wipes it; `null` when it does not authenticate. */
function openWith(material: Uint8Array, a: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  try {
    return open(SuiteId.AES_256_GCM, material, a, sealed);
  } catch {
    // open() reports any authentication failure as AUTH_FAILED; here that is a verdict, not an error.
    return null;
  } finally {
    wipe(material);
  }
}

/** Opens one format-1 record's sealed payload; `null` when it does not authenticate at that index. */
export function openRecord(k: LogKeys, logId: Uint8Array, index: number, type: RecordType, salt: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  return openWith(entryKeyMaterial(k, logId, index, salt), aad(1, logId, index, type), sealed);
}

// ---- head record: count and last MAC, MAC'd under the head key ----

export interface Head {
  readonly logId: Uint8Array;
  readonly count: number;
  readonly lastMac: Uint8Array;
}

function headTag(k: LogKeys, h: Head): Uint8Array {
  return hmacSha256(k.head, D_HEAD, HEAD_MAGIC, h.logId, u64be(h.count), h.lastMac);
}

/** The 96-byte head record for a state (also the plaintext of a checkpoint). */
export function encodeHead(k: LogKeys, h: Head): Uint8Array {
  return concat(HEAD_MAGIC, h.logId, u64be(h.count), h.lastMac, headTag(k, h));
}

export type HeadDecode = { readonly ok: true; readonly head: Head } | { readonly ok: false; readonly detail: string };

/** Decodes and authenticates a head record. Never throws. */
export function decodeHead(k: LogKeys, b: Uint8Array): HeadDecode {
  if (b.length !== HEAD_BYTES) return { ok: false, detail: `head record is ${b.length} bytes, expected ${HEAD_BYTES}` };
  if (!ctEqual(b.subarray(0, HEAD_MAGIC.length), HEAD_MAGIC)) return { ok: false, detail: 'not a head record' };
  let o = HEAD_MAGIC.length;
  const logId = b.slice(o, (o += LOG_ID_BYTES));
  const count = readU64(b, o);
  o += 8;
  const lastMac = b.slice(o, (o += MAC_BYTES));
  const tag = b.subarray(o, o + MAC_BYTES);
  if (!Number.isSafeInteger(count)) return { ok: false, detail: 'head count out of range' };
  const head = { logId, count, lastMac };
  if (!ctEqual(tag, headTag(k, head))) return { ok: false, detail: 'head record MAC does not verify (edited, or another key)' };
  return { ok: true, head };
}

/**
 * The head file (docs/LOG-FORMAT.md §4.1, log format 2): two slots, each a head record. The
 * writer overwrites them in turn in place, so a write torn by a crash leaves the other slot
 * intact. A new head file holds the same record in both slots.
 */
export function encodeHeadFile(k: LogKeys, h: Head): Uint8Array {
  const r = encodeHead(k, h);
  return concat(r, r);
}

/**
 * Decodes a head file: one record (log format 1) or two slots (format 2). Of the authentic
 * slots (of `logId`, when given), the one with the higher count wins; a torn or stale slot is
 * ignored when the other one authenticates. Never throws.
 */
export function decodeHeadFile(k: LogKeys, b: Uint8Array, logId?: Uint8Array): HeadDecode {
  if (b.length === HEAD_BYTES) return ofLog(decodeHead(k, b), logId);
  if (b.length !== 2 * HEAD_BYTES) return { ok: false, detail: `head file is ${b.length} bytes, expected ${HEAD_BYTES} or ${2 * HEAD_BYTES}` };
  const a = ofLog(decodeHead(k, b.subarray(0, HEAD_BYTES)), logId);
  const c = ofLog(decodeHead(k, b.subarray(HEAD_BYTES)), logId);
  if (a.ok && c.ok) return c.head.count > a.head.count ? c : a;
  return a.ok ? a : c.ok ? c : a;
}

function ofLog(d: HeadDecode, logId: Uint8Array | undefined): HeadDecode {
  if (!d.ok || logId === undefined || ctEqual(d.head.logId, logId)) return d;
  return { ok: false, detail: 'the head record belongs to another log' };
}
