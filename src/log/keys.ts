/**
 * Keys of the conversation log, all derived with HKDF-SHA256 (RFC 5869) from one 32-byte log
 * secret that only the user's home holds (docs/LOG-FORMAT.md §3). Never a password.
 */
import { concat, u64be, utf8, wipe } from '../crypto/bytes.js';
import { expandLabel, hkdfExpand, hkdfExtract } from '../crypto/hkdf.js';
import { SUITE_KEY_MATERIAL, SuiteId } from '../crypto/aead.js';
import { kbkdfCmacMany } from '../crypto/kbkdf.js';
import { localError } from '../errors.js';
import { KEY_CHECK_BYTES, MAC_BYTES } from './format.js';

export const LOG_SECRET_BYTES = 32;

/** The derived keys. Wipe with {@link wipeLogKeys} when done (best effort). */
export interface LogKeys {
  /** HMAC-SHA256 key of the entry chain and the file header. */
  readonly chain: Uint8Array;
  /** HMAC-SHA256 key of the head record (and of checkpoints, which are head records). */
  readonly head: Uint8Array;
  /** PRK from which each entry's AES-256-GCM key and nonce are expanded (log format 1). */
  readonly entry: Uint8Array;
  /** PRK from which each commit's salt key is expanded (log format 3, {@link saltKey}). */
  readonly entry3: Uint8Array;
  /** Public 16-byte identifier of the secret, stored in the header: tells "wrong key" apart. */
  readonly keyCheck: Uint8Array;
}

const SALT = utf8('securechat log v1');

export function deriveLogKeys(secret: Uint8Array): LogKeys {
  if (secret.length !== LOG_SECRET_BYTES) throw localError('CONFIG', `log secret must be ${LOG_SECRET_BYTES} bytes`);
  const prk = hkdfExtract(SALT, secret);
  const none = new Uint8Array(0);
  try {
    return {
      chain: expandLabel(prk, 'securechat log v1 chain mac', none, MAC_BYTES),
      head: expandLabel(prk, 'securechat log v1 head mac', none, MAC_BYTES),
      entry: expandLabel(prk, 'securechat log v1 entry prk', none, 32),
      entry3: expandLabel(prk, 'securechat log v3 entry prk', none, 32),
      keyCheck: expandLabel(prk, 'securechat log v1 key check', none, KEY_CHECK_BYTES),
    };
  } finally {
    wipe(prk);
  }
}

/** Best effort: JavaScript gives no guarantee that no other copy exists. */
export function wipeLogKeys(k: LogKeys): void {
  wipe(k.chain, k.head, k.entry, k.entry3, k.keyCheck);
}

/**
 * AES-256-GCM key || nonce (44 bytes) for one entry. The info binds the log id, the index and
 * the entry's random salt, so even an index written twice (after `repair` truncated a torn
 * tail) never reuses a (key, nonce) pair. The caller wipes the result after use.
 */
export function entryKeyMaterial(k: LogKeys, logId: Uint8Array, index: number, salt: Uint8Array): Uint8Array {
  return expandLabel(k.entry, 'securechat log v1 entry key', concat(logId, u64be(index), salt), SUITE_KEY_MATERIAL[SuiteId.AES_256_GCM]);
}

// ---- log format 3: the keys of one commit's entries in one pass (docs/LOG-FORMAT.md §3) ----

/** Entry material length (AES-256-GCM key 32 || nonce 12). */
export const ENTRY_MATERIAL_BYTES = SUITE_KEY_MATERIAL[SuiteId.AES_256_GCM];
/** Format 3 encodes an entry's index in 6 bytes (its KBKDF context): indices below 2^48. */
export const V3_LAST_INDEX = 2 ** 48 - 1;
const SALT_KEY_INFO = utf8('securechat log v3 salt key');
/** KBKDF Label; with the 6-byte index as Context the PRF input is one AES block (4 + 1 + 1 + 6 + 4). */
const ENTRY_LABEL = utf8('e');

/**
 * K_salt = HKDF-Expand(K_entry3, "securechat log v3 salt key" || logId || salt, 32): the key of
 * one salt, i.e. of one group commit's records (they share the commit's random salt). The
 * caller wipes it.
 */
export function saltKey(k: LogKeys, logId: Uint8Array, salt: Uint8Array): Uint8Array {
  return hkdfExpand(k.entry3, concat(SALT_KEY_INFO, logId, salt), 32);
}

/** The 6-byte big-endian index, the KBKDF Context of a format-3 entry. */
function index48(index: number): Uint8Array {
  if (!Number.isSafeInteger(index) || index < 0 || index > V3_LAST_INDEX) throw new RangeError('log index out of range for format 3');
  const b = new Uint8Array(6);
  new DataView(b.buffer).setUint16(0, Math.floor(index / 2 ** 32), false);
  new DataView(b.buffer).setUint32(2, index >>> 0, false);
  return b;
}

/**
 * Key || nonce of the format-3 entries `first .. first + count - 1` under one salt key, back
 * to back (`ENTRY_MATERIAL_BYTES` each): material_i = KBKDF-CMAC-AES-256(K_salt, Label "e",
 * Context = u48(i), L = 352) (NIST SP 800-108r1 §4.1, as the record layer's keys, PROTOCOL
 * §6.2), all computed in one AES-ECB pass. The caller wipes the result.
 */
export function entryMaterials(kSalt: Uint8Array, first: number, count: number): Uint8Array {
  const contexts: Uint8Array[] = [];
  for (let i = 0; i < count; i++) contexts.push(index48(first + i));
  return kbkdfCmacMany(kSalt, ENTRY_LABEL, contexts, ENTRY_MATERIAL_BYTES);
}
