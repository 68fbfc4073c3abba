/**
 * Keys of the conversation log, all derived with HKDF-SHA256 (RFC 5869) from one 32-byte log
 * secret that only the user's home holds (docs/LOG-FORMAT.md §3). Never a password.
 */
import { concat, u64be, utf8, wipe } from '../crypto/bytes.js';
import { expandLabel, hkdfExtract } from '../crypto/hkdf.js';
import { SUITE_KEY_MATERIAL, SuiteId } from '../crypto/aead.js';
import { localError } from '../errors.js';
import { KEY_CHECK_BYTES, MAC_BYTES } from './format.js';

export const LOG_SECRET_BYTES = 32;

/** The derived keys. Wipe with {@link wipeLogKeys} when done (best effort). */
export interface LogKeys {
  /** HMAC-SHA256 key of the entry chain and the file header. */
  readonly chain: Uint8Array;
  /** HMAC-SHA256 key of the head record (and of checkpoints, which are head records). */
  readonly head: Uint8Array;
  /** PRK from which each entry's AES-256-GCM key and nonce are expanded. */
  readonly entry: Uint8Array;
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
      keyCheck: expandLabel(prk, 'securechat log v1 key check', none, KEY_CHECK_BYTES),
    };
  } finally {
    wipe(prk);
  }
}

/** Best effort: JavaScript gives no guarantee that no other copy exists. */
export function wipeLogKeys(k: LogKeys): void {
  wipe(k.chain, k.head, k.entry, k.keyCheck);
}

/**
 * AES-256-GCM key || nonce (44 bytes) for one entry. The info binds the log id, the index and
 * the entry's random salt, so even an index written twice (after `repair` truncated a torn
 * tail) never reuses a (key, nonce) pair. The caller wipes the result after use.
 */
export function entryKeyMaterial(k: LogKeys, logId: Uint8Array, index: number, salt: Uint8Array): Uint8Array {
  return expandLabel(k.entry, 'securechat log v1 entry key', concat(logId, u64be(index), salt), SUITE_KEY_MATERIAL[SuiteId.AES_256_GCM]);
}
