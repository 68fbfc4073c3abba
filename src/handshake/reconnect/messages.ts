/**
 * The payloads carried (encrypted) inside the two Noise messages of the reconnect handshake
 * (docs/PROTOCOL.md §10.3). Decoders check every length before reading and refuse leftover
 * bytes; every failure is `DECODE_ERROR` (remote).
 *
 * The ML-KEM sizes are repeated here (checked equal to src/crypto/mlkem.ts by a test) so that
 * a reconnect with no post-quantum step never loads the ML-KEM library.
 */
import { Reader, opaque8, opaque16 } from '../../wire/codec.js';
import { concat, u64be, u8 } from '../../crypto/bytes.js';
import { remoteError } from '../../errors.js';

import { RECONNECT_MAX_LIST } from '../../limits.js';
export { RECONNECT_MAX_LIST };
export const KEM_EK_BYTES = 1184;
export const KEM_CT_BYTES = 1088;

/** Message 1's payload: what the initiator offers, which secret it uses, and maybe a KEM key. */
export interface HelloPayload {
  readonly versions: readonly number[];
  readonly suites: readonly number[];
  /** The epoch of the per-contact secret used as PSK. */
  readonly epoch: number;
  /** An ML-KEM-768 encapsulation key when the post-quantum step is due, else empty. */
  readonly kemEk: Uint8Array;
}

/** Message 2's payload: the choices, and the ML-KEM ciphertext when a key was sent. */
export interface ReplyPayload {
  readonly version: number;
  readonly suite: number;
  readonly kemCt: Uint8Array;
}

function list(l: readonly number[]): Uint8Array {
  if (l.length < 1 || l.length > RECONNECT_MAX_LIST) throw new RangeError('list length out of range');
  return opaque8(Uint8Array.from(l, (n) => u8(n)[0] ?? 0));
}

export function encodeHelloPayload(p: HelloPayload): Uint8Array {
  if (p.kemEk.length !== 0 && p.kemEk.length !== KEM_EK_BYTES) throw new RangeError('bad KEM key length');
  return concat(list(p.versions), list(p.suites), u64be(p.epoch), opaque16(p.kemEk));
}

export function decodeHelloPayload(b: Uint8Array): HelloPayload {
  const r = new Reader(b, 'reconnect hello');
  const versions = Array.from(r.opaque8(1, RECONNECT_MAX_LIST));
  const suites = Array.from(r.opaque8(1, RECONNECT_MAX_LIST));
  const epoch = r.u64();
  const kemEk = r.opaque16(0, KEM_EK_BYTES);
  if (kemEk.length !== 0 && kemEk.length !== KEM_EK_BYTES) throw remoteError('DECODE_ERROR', 'reconnect hello: ML-KEM key of the wrong length');
  r.finish();
  return { versions, suites, epoch, kemEk };
}

export function encodeReplyPayload(p: ReplyPayload): Uint8Array {
  if (p.kemCt.length !== 0 && p.kemCt.length !== KEM_CT_BYTES) throw new RangeError('bad KEM ciphertext length');
  return concat(u8(p.version), u8(p.suite), opaque16(p.kemCt));
}

export function decodeReplyPayload(b: Uint8Array): ReplyPayload {
  const r = new Reader(b, 'reconnect reply');
  const version = r.u8();
  const suite = r.u8();
  const kemCt = r.opaque16(0, KEM_CT_BYTES);
  if (kemCt.length !== 0 && kemCt.length !== KEM_CT_BYTES) throw remoteError('DECODE_ERROR', 'reconnect reply: ML-KEM ciphertext of the wrong length');
  r.finish();
  return { version, suite, kemCt };
}
