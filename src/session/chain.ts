/**
 * The per-direction KDF chain (docs/PROTOCOL.md §6.2): record keys derived in batches with
 * the counter-mode KDF of NIST SP 800-108r1 §4.1, PRF = CMAC-AES-256 (src/crypto/kbkdf.ts).
 *
 *   K_OUT_j = KBKDF(ck_j, Label = "sc2 rk", Context = u8(suite), L = 8 · (32 + n_j · K))
 *   ck_{j+1} = K_OUT_j[0 .. 32)
 *   material(record b of batch j) = K_OUT_j[32 + b·K .. 32 + (b+1)·K)
 *   n_j = min(RECORD_KEY_BATCH_MAX, RECORD_KEY_BATCH_FIRST · 2^j)
 *
 * `ck_0` is the chain key from the handshake or the rekey. Each batch's key is wiped as soon
 * as the batch is derived, and each record's material as soon as the record is sealed or
 * opened: a state captured at any moment holds only keys of records not yet processed, and
 * the chain key cannot be run backwards (that would invert the PRF), so no earlier record key
 * can be recomputed from it. The growing batch size keeps an idle or chatty-but-slow session
 * small (4 keys first) while bulk traffic pays the derivation once per 64 records.
 */
import { SUITE_KEY_MATERIAL, type SuiteId } from '../crypto/aead.js';
import { u8, utf8, wipe } from '../crypto/bytes.js';
import { kbkdfCmac } from '../crypto/kbkdf.js';
import { RECORD_KEY_BATCH_FIRST, RECORD_KEY_BATCH_MAX } from '../limits.js';

/** Length of a chain key and of a root key (bytes). */
export const CHAIN_KEY_BYTES = 32;

const LABEL = utf8('sc2 rk');
const CONTEXT: ReadonlyMap<number, Uint8Array> = new Map([0x01, 0x02, 0x03].map((s) => [s, u8(s)]));

/** Records in batch `j` of a chain (0-based). */
export function batchSize(j: number): number {
  return Math.min(RECORD_KEY_BATCH_MAX, RECORD_KEY_BATCH_FIRST * 2 ** Math.min(j, 30));
}

/** One batch: the next chain key and `count` records' key material, back to back. */
export interface KeyBatch {
  readonly next: Uint8Array;
  readonly material: Uint8Array;
  readonly count: number;
}

/** Derives batch `j` from its chain key `ck` (left unchanged: the caller wipes it). */
export function deriveBatch(ck: Uint8Array, suite: SuiteId, j: number): KeyBatch {
  if (ck.length !== CHAIN_KEY_BYTES) throw new RangeError('chain key must be 32 bytes');
  const count = batchSize(j);
  const k = SUITE_KEY_MATERIAL[suite];
  const out = kbkdfCmac(ck, LABEL, CONTEXT.get(suite) ?? u8(suite), CHAIN_KEY_BYTES + count * k);
  return { next: out.subarray(0, CHAIN_KEY_BYTES), material: out.subarray(CHAIN_KEY_BYTES), count };
}

/**
 * One direction's position in its chain: the key material of the next record, deriving a
 * new batch when the current one is spent. Deriving a batch does not change which keys the
 * chain will produce, only how many are held, so it may run ahead of use (`prepare`).
 * Not safe for concurrent use (there is none in JS).
 */
export class ChainKeys {
  readonly #suite: SuiteId;
  readonly #k: number;
  /** Key of the next batch (wiped when that batch is derived). */
  #ck: Uint8Array;
  #batch: Uint8Array = new Uint8Array(0);
  #wiped = false;
  #count = 0;
  #used = 0;
  #j = 0;

  /** Takes ownership of `ck` (it is wiped when the first batch is derived or on `wipe`). */
  constructor(ck: Uint8Array, suite: SuiteId) {
    if (ck.length !== CHAIN_KEY_BYTES) throw new RangeError('chain key must be 32 bytes');
    this.#ck = ck;
    this.#suite = suite;
    this.#k = SUITE_KEY_MATERIAL[suite];
  }

  /** The material of the next record (a view; valid until `advance` or `wipe`). */
  current(): Uint8Array {
    this.prepare();
    return this.#batch.subarray(this.#used * this.#k, (this.#used + 1) * this.#k);
  }

  /** The next record's material was used: wipe it and move on. */
  advance(): void {
    if (this.#used >= this.#count) throw new RangeError('advance without current');
    this.#batch.fill(0, this.#used * this.#k, (this.#used + 1) * this.#k);
    this.#used++;
  }

  /** Derives the next batch now if the current one is spent (off the critical path). */
  prepare(): void {
    if (this.#wiped) throw new RangeError('chain keys were wiped');
    if (this.#used < this.#count) return;
    const b = deriveBatch(this.#ck, this.#suite, this.#j);
    wipe(this.#ck, this.#batch); // the spent batch is all zeros already (advance wipes each record's)
    this.#ck = b.next;
    this.#batch = b.material;
    this.#count = b.count;
    this.#used = 0;
    this.#j++;
  }

  /** Wipes every key this chain holds; it is unusable afterwards. */
  wipe(): void {
    wipe(this.#ck, this.#batch);
    this.#wiped = true;
  }

  /** Records' key material held right now (derived, not yet used). */
  get held(): number {
    return this.#count - this.#used;
  }
}
