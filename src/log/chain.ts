/**
 * The pure chain: builds the file header, entries, checkpoints and the head record.
 * No files, no clock, no randomness of its own (a {@link RandomSource} is passed in).
 * State is immutable: each call returns the bytes to append and the next state.
 *
 * Construction (docs/LOG-FORMAT.md §3): a MAC chain in the manner of Schneier & Kelsey's
 * secure audit logs (USENIX Security 1998) and the hash-chained logs of Crosby & Wallach:
 *   mac_i = HMAC-SHA256(K_chain, "SCLOG1 entry" || logId || mac_{i-1} || index || type || salt || sealed)
 * with mac_{-1} = the header MAC, and each entry sealed by AES-256-GCM under a key and nonce
 * expanded by HKDF from (logId, index, salt).
 */
import { concat, ctEqual, readU64, u64be, u32be, u8, utf8, wipe } from '../crypto/bytes.js';
import { hmacSha256 } from '../crypto/hash.js';
import { open, seal, SuiteId } from '../crypto/aead.js';
import type { RandomSource } from '../crypto/random.js';
import { localError } from '../errors.js';
import {
  HEAD_BYTES, HEAD_MAGIC, HEADER_BYTES, LOG_ID_BYTES, LOG_MAGIC, MAC_BYTES, RECORD_FIXED_BYTES,
  RECORD_LEN_BYTES, RecordType, SALT_BYTES,
} from './format.js';
import { encodeEvent, type LogEvent } from './event.js';
import { entryKeyMaterial, type LogKeys } from './keys.js';

const D_HEADER = utf8('SCLOG1 header');
const D_ENTRY = utf8('SCLOG1 entry');
const D_HEAD = utf8('SCLOG1 head');

/** Where the chain stands: enough to append the next entry and to write the head. */
export interface ChainState {
  readonly logId: Uint8Array;
  /** Number of records (events and checkpoints) in the log. The next index. */
  readonly count: number;
  /** MAC of record `count - 1`, or the header MAC when the log is empty. */
  readonly lastMac: Uint8Array;
  /** Records since the last checkpoint (or the start). */
  readonly sinceCheckpoint: number;
}

export function headerMac(k: LogKeys, logId: Uint8Array): Uint8Array {
  return hmacSha256(k.chain, D_HEADER, LOG_MAGIC, logId, k.keyCheck);
}

export function entryMac(k: LogKeys, logId: Uint8Array, prevMac: Uint8Array, index: number, type: RecordType, salt: Uint8Array, sealed: Uint8Array): Uint8Array {
  return hmacSha256(k.chain, D_ENTRY, logId, prevMac, u64be(index), u8(type), salt, sealed);
}

function aad(logId: Uint8Array, index: number, type: RecordType): Uint8Array {
  return concat(LOG_MAGIC, logId, u8(type), u64be(index));
}

/** Starts a new log: the header bytes (the file's first 72 bytes) and the empty state. */
export function newLog(k: LogKeys, random: RandomSource): { header: Uint8Array; state: ChainState } {
  const logId = random(LOG_ID_BYTES);
  if (logId.length !== LOG_ID_BYTES) throw localError('INTERNAL', 'random source returned the wrong length');
  const mac = headerMac(k, logId);
  const header = concat(LOG_MAGIC, logId, k.keyCheck, mac);
  if (header.length !== HEADER_BYTES) throw localError('INTERNAL', 'header length');
  return { header, state: { logId, count: 0, lastMac: mac, sinceCheckpoint: 0 } };
}

/** Seals one record's plaintext at `state.count`; returns its bytes and the next state. */
function appendRecord(k: LogKeys, state: ChainState, type: RecordType, pt: Uint8Array, random: RandomSource): { bytes: Uint8Array; state: ChainState } {
  const index = state.count;
  if (!Number.isSafeInteger(index + 1)) throw localError('LIMIT_REACHED', 'log index would pass 2^53');
  const salt = random(SALT_BYTES);
  if (salt.length !== SALT_BYTES) throw localError('INTERNAL', 'random source returned the wrong length');
  const material = entryKeyMaterial(k, state.logId, index, salt);
  let sealed: Uint8Array;
  try {
    sealed = seal(SuiteId.AES_256_GCM, material, aad(state.logId, index, type), pt);
  } finally {
    wipe(material);
  }
  const mac = entryMac(k, state.logId, state.lastMac, index, type, salt, sealed);
  const bodyLen = RECORD_FIXED_BYTES + sealed.length;
  const bytes = concat(u32be(bodyLen), u8(type), u64be(index), salt, sealed, mac);
  if (bytes.length !== RECORD_LEN_BYTES + bodyLen) throw localError('INTERNAL', 'record length');
  const sinceCheckpoint = type === RecordType.CHECKPOINT ? 0 : state.sinceCheckpoint + 1;
  return { bytes, state: { logId: state.logId, count: index + 1, lastMac: mac, sinceCheckpoint } };
}

export interface AppendResult {
  /** Bytes to append to the file, in one write: the event's record, then a checkpoint if due. */
  readonly bytes: Uint8Array;
  /** Index of the event's record. */
  readonly index: number;
  readonly state: ChainState;
}

/**
 * Appends one event. When `checkpointEvery` records have passed since the last checkpoint, a
 * checkpoint record follows it in the same bytes (so one write and one fsync cover both).
 */
export function appendEvent(k: LogKeys, state: ChainState, event: LogEvent, random: RandomSource, checkpointEvery: number): AppendResult {
  if (!Number.isSafeInteger(checkpointEvery) || checkpointEvery < 1) throw localError('USAGE', 'checkpointEvery must be a positive integer');
  const pt = encodeEvent(event);
  const ev = appendRecord(k, state, RecordType.EVENT, pt, random);
  if (ev.state.sinceCheckpoint < checkpointEvery) return { bytes: ev.bytes, index: state.count, state: ev.state };
  const cp = appendRecord(k, ev.state, RecordType.CHECKPOINT, encodeHead(k, ev.state), random);
  return { bytes: concat(ev.bytes, cp.bytes), index: state.count, state: cp.state };
}

/** Opens one record's sealed payload; `null` when it does not authenticate at that index. */
export function openRecord(k: LogKeys, logId: Uint8Array, index: number, type: RecordType, salt: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  const material = entryKeyMaterial(k, logId, index, salt);
  try {
    return open(SuiteId.AES_256_GCM, material, aad(logId, index, type), sealed);
  } catch {
    // open() reports any authentication failure as AUTH_FAILED; here that is a verdict, not an error.
    return null;
  } finally {
    wipe(material);
  }
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
