/**
 * Byte layout of the conversation log (docs/LOG-FORMAT.md §2) and its framing parser.
 * Pure: no keys, no files. Every length is checked before anything is allocated.
 *
 * ```
 * file    := header record*
 * header  := magic(8) "SCLOG\0\0\x01" | logId(16) | keyCheck(16) | headerMac(32)        72 bytes
 * record  := bodyLen(u32) | type(u8) | index(u64) | salt(16) | sealed(bodyLen-57) | mac(32)
 * head    := magic(8) "SCHEAD\0\x01" | logId(16) | count(u64) | lastMac(32) | tag(32)   96 bytes
 * ```
 * All integers are big-endian.
 */
import { readU32, readU64 } from '../crypto/bytes.js';

// ---- specification (changing one changes the file format version) ----

/** "SCLOG" 0 0 1: a log file of format 1 or 2 (each entry's key expanded by HKDF on its own). */
export const LOG_MAGIC = Uint8Array.of(0x53, 0x43, 0x4c, 0x4f, 0x47, 0x00, 0x00, 0x01);
/** "SCLOG" 0 0 3: a log file of format 3 (the entries of one commit share a salt; keys in batches). */
export const LOG_MAGIC_V3 = Uint8Array.of(0x53, 0x43, 0x4c, 0x4f, 0x47, 0x00, 0x00, 0x03);
/** How a log file derives its entry keys: 1 (formats 1 and 2) or 3, told by its magic. */
export type LogFileFormat = 1 | 3;
/** The format new logs are created in. */
export const NEW_LOG_FORMAT: LogFileFormat = 3;

export function logMagic(format: LogFileFormat): Uint8Array {
  return format === 3 ? LOG_MAGIC_V3 : LOG_MAGIC;
}
/** "SCHEAD" 0 1: head record version 1. */
export const HEAD_MAGIC = Uint8Array.of(0x53, 0x43, 0x48, 0x45, 0x41, 0x44, 0x00, 0x01);
export const LOG_ID_BYTES = 16;
export const KEY_CHECK_BYTES = 16;
export const MAC_BYTES = 32;
export const SALT_BYTES = 16;
export const GCM_TAG_BYTES = 16;
export const HEADER_BYTES = LOG_MAGIC.length + LOG_ID_BYTES + KEY_CHECK_BYTES + MAC_BYTES;
export const HEAD_BYTES = HEAD_MAGIC.length + LOG_ID_BYTES + 8 + MAC_BYTES + MAC_BYTES;
export const RECORD_LEN_BYTES = 4;
/** type (1) + index (8) + salt (16) + mac (32): the body without the sealed payload. */
export const RECORD_FIXED_BYTES = 1 + 8 + SALT_BYTES + MAC_BYTES;

export const RecordType = {
  /** An encrypted {@link LogEvent} (JSON). */
  EVENT: 0x01,
  /** An encrypted copy of the head record as it stood before this record (a checkpoint). */
  CHECKPOINT: 0x02,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

export function isRecordType(n: number): n is RecordType {
  return n === RecordType.EVENT || n === RecordType.CHECKPOINT;
}

// ---- implementation limits ----

import { MAX_ENTRY_PLAINTEXT } from '../limits.js';
export { MAX_ENTRY_PLAINTEXT };
export const MIN_RECORD_BODY = RECORD_FIXED_BYTES + GCM_TAG_BYTES;
export const MAX_RECORD_BODY = RECORD_FIXED_BYTES + MAX_ENTRY_PLAINTEXT + GCM_TAG_BYTES;
/** A checkpoint record is written after every this many records by default. */
export const DEFAULT_CHECKPOINT_EVERY = 64;
import { MAX_LOG_FILE_BYTES } from '../limits.js';
export { MAX_LOG_FILE_BYTES };

/** One framed record, as read from the file (views into the file buffer, not copies). */
export interface RawRecord {
  readonly type: RecordType;
  readonly index: number;
  readonly salt: Uint8Array;
  readonly sealed: Uint8Array;
  readonly mac: Uint8Array;
  /** Offset of the length prefix, and of the first byte after the record. */
  readonly start: number;
  readonly end: number;
}

export type ParseStep =
  | { readonly kind: 'eof' }
  | { readonly kind: 'record'; readonly record: RawRecord }
  /** The file ends inside this record (its length prefix or its body). */
  | { readonly kind: 'partial'; readonly start: number }
  /** The framing itself is impossible (length out of range, unknown type, index ≥ 2^53). */
  | { readonly kind: 'bad'; readonly start: number; readonly detail: string };

/** Parses the record starting at `off`. Never throws for any input. */
export function parseRecordAt(file: Uint8Array, off: number): ParseStep {
  if (off >= file.length) return { kind: 'eof' };
  if (file.length - off < RECORD_LEN_BYTES) return { kind: 'partial', start: off };
  const bodyLen = readU32(file, off);
  if (bodyLen < MIN_RECORD_BODY || bodyLen > MAX_RECORD_BODY) {
    return { kind: 'bad', start: off, detail: `record length ${bodyLen} out of range` };
  }
  const body = off + RECORD_LEN_BYTES;
  const end = body + bodyLen;
  if (end > file.length) return { kind: 'partial', start: off };
  const type = file[body] ?? 0;
  if (!isRecordType(type)) return { kind: 'bad', start: off, detail: `unknown record type ${type}` };
  const index = readU64(file, body + 1);
  if (!Number.isSafeInteger(index)) return { kind: 'bad', start: off, detail: 'record index out of range' };
  const saltAt = body + 9;
  const sealedAt = saltAt + SALT_BYTES;
  const macAt = end - MAC_BYTES;
  return {
    kind: 'record',
    record: {
      type,
      index,
      salt: file.subarray(saltAt, sealedAt),
      sealed: file.subarray(sealedAt, macAt),
      mac: file.subarray(macAt, end),
      start: off,
      end,
    },
  };
}

/** Fields of a file header, as read (views). */
export interface RawHeader {
  readonly format: LogFileFormat;
  readonly logId: Uint8Array;
  readonly keyCheck: Uint8Array;
  readonly mac: Uint8Array;
}

export type HeaderStep =
  | { readonly kind: 'header'; readonly header: RawHeader }
  | { readonly kind: 'not-a-log' }
  | { readonly kind: 'partial' };

export function parseHeader(file: Uint8Array): HeaderStep {
  const n = Math.min(file.length, LOG_MAGIC.length);
  // The last magic byte is the version: 1 or 3 (a file cut inside its magic is a partial header).
  for (let i = 0; i < n - (n === LOG_MAGIC.length ? 1 : 0); i++) if (file[i] !== LOG_MAGIC[i]) return { kind: 'not-a-log' };
  const v = n === LOG_MAGIC.length ? file[n - 1] : 1;
  if (v !== 1 && v !== 3) return { kind: 'not-a-log' };
  if (file.length < HEADER_BYTES) return { kind: 'partial' };
  const a = LOG_MAGIC.length;
  const b = a + LOG_ID_BYTES;
  const c = b + KEY_CHECK_BYTES;
  return { kind: 'header', header: { format: v, logId: file.subarray(a, b), keyCheck: file.subarray(b, c), mac: file.subarray(c, HEADER_BYTES) } };
}
