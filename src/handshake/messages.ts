/**
 * Encodings of the four handshake messages (docs/PROTOCOL.md §4.1, §4.2, §4.4, §4.5) and of
 * the IdentityBlock carried sealed inside the Finish messages. Decoders check every length
 * against the exact limits of the spec before reading the field and refuse leftover bytes;
 * every failure is `DECODE_ERROR` (remote).
 */
import { Reader, opaque8, opaque16 } from '../wire/codec.js';
import { concat, fromUtf8, u32be, u8, utf8 } from '../crypto/bytes.js';
import { MLKEM768_CT_BYTES, MLKEM768_EK_BYTES } from '../crypto/mlkem.js';
import { MAX_USERNAME_BYTES } from '../limits.js';
import { remoteError } from '../errors.js';

// ---- specification sizes ----
export const NONCE_BYTES = 32;
import { MAX_LIST } from '../limits.js';
export { MAX_LIST };
import { MAX_KE_BYTES } from '../limits.js';
export { MAX_KE_BYTES };
import { MAX_SEALED_BYTES } from '../limits.js';
export { MAX_SEALED_BYTES };
export const IDENTITY_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
export const CONFIRM_BYTES = 32;

/**
 * §2: 1..64 bytes of `A–Z a–z 0–9 . _ -`, not starting with '.' or '-' (the same rule as
 * src/identity/username.ts, repeated here because handshake does not import identity).
 */
const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
export function isWireUsername(name: string): boolean {
  return name.length >= 1 && name.length <= MAX_USERNAME_BYTES && NAME_RE.test(name);
}

function readName(r: Reader, what: string): string {
  const b = r.opaque8(1, MAX_USERNAME_BYTES);
  let s: string;
  try {
    s = fromUtf8(b);
  } catch (e) {
    throw remoteError('DECODE_ERROR', `${what}: name is not UTF-8`, e);
  }
  if (!isWireUsername(s)) throw remoteError('DECODE_ERROR', `${what}: name is not a valid username`);
  return s;
}

export function encodeName(name: string): Uint8Array {
  if (!isWireUsername(name)) throw new RangeError('not a valid username');
  return opaque8(utf8(name));
}

function byteList(b: Uint8Array): number[] {
  return Array.from(b);
}

function encodeList(list: readonly number[]): Uint8Array {
  if (list.length < 1 || list.length > MAX_LIST) throw new RangeError('list length out of range');
  return opaque8(Uint8Array.from(list, (n) => u8(n)[0] ?? 0));
}

// ---- §4.1 ClientHello ----
export interface ClientHello {
  readonly versions: readonly number[];
  readonly suites: readonly number[];
  readonly nonce: Uint8Array;
  readonly account: string;
  readonly ke1: Uint8Array;
  readonly mlkemEk: Uint8Array;
}

export function encodeClientHello(m: ClientHello): Uint8Array {
  return concat(encodeList(m.versions), encodeList(m.suites), m.nonce, encodeName(m.account), opaque16(m.ke1), m.mlkemEk);
}

export function decodeClientHello(payload: Uint8Array): ClientHello {
  const r = new Reader(payload, 'ClientHello');
  const versions = byteList(r.opaque8(1, MAX_LIST));
  const suites = byteList(r.opaque8(1, MAX_LIST));
  const nonce = r.fixed(NONCE_BYTES);
  const account = readName(r, 'ClientHello');
  const ke1 = r.opaque16(1, MAX_KE_BYTES);
  const mlkemEk = r.fixed(MLKEM768_EK_BYTES);
  r.finish();
  return { versions, suites, nonce, account, ke1, mlkemEk };
}

// ---- §4.2 ServerHello ----
export interface ServerHello {
  readonly version: number;
  readonly suite: number;
  readonly nonce: Uint8Array;
  readonly ksfMemoryKiB: number;
  readonly ksfIterations: number;
  readonly ksfParallelism: number;
  readonly ke2: Uint8Array;
  readonly mlkemCt: Uint8Array;
}

export function encodeServerHello(m: ServerHello): Uint8Array {
  return concat(
    u8(m.version), u8(m.suite), m.nonce,
    u32be(m.ksfMemoryKiB), u32be(m.ksfIterations), u8(m.ksfParallelism),
    opaque16(m.ke2), m.mlkemCt,
  );
}

export function decodeServerHello(payload: Uint8Array): ServerHello {
  const r = new Reader(payload, 'ServerHello');
  const version = r.u8();
  const suite = r.u8();
  const nonce = r.fixed(NONCE_BYTES);
  const ksfMemoryKiB = r.u32();
  const ksfIterations = r.u32();
  const ksfParallelism = r.u8();
  const ke2 = r.opaque16(1, MAX_KE_BYTES);
  const mlkemCt = r.fixed(MLKEM768_CT_BYTES);
  r.finish();
  return { version, suite, nonce, ksfMemoryKiB, ksfIterations, ksfParallelism, ke2, mlkemCt };
}

// ---- §4.4 ClientFinish ----
export interface ClientFinish {
  readonly ke3: Uint8Array;
  readonly sealed: Uint8Array;
}

export function encodeClientFinish(m: ClientFinish): Uint8Array {
  return concat(opaque16(m.ke3), opaque16(m.sealed));
}

export function decodeClientFinish(payload: Uint8Array): ClientFinish {
  const r = new Reader(payload, 'ClientFinish');
  const ke3 = r.opaque16(1, MAX_KE_BYTES);
  const sealed = r.opaque16(1, MAX_SEALED_BYTES);
  r.finish();
  return { ke3, sealed };
}

// ---- §4.5 ServerFinish ----
export interface ServerFinish {
  readonly sealed: Uint8Array;
}

export function encodeServerFinish(m: ServerFinish): Uint8Array {
  return opaque16(m.sealed);
}

export function decodeServerFinish(payload: Uint8Array): ServerFinish {
  const r = new Reader(payload, 'ServerFinish');
  const sealed = r.opaque16(1, MAX_SEALED_BYTES);
  r.finish();
  return { sealed };
}

// ---- IdentityBlock (§4.4) ----
export interface IdentityBlock {
  readonly identityKey: Uint8Array;
  readonly name: string;
  readonly signature: Uint8Array;
  readonly confirm: Uint8Array;
}

export function encodeIdentityBlock(b: IdentityBlock): Uint8Array {
  return concat(b.identityKey, encodeName(b.name), b.signature, b.confirm);
}

export function decodeIdentityBlock(plain: Uint8Array): IdentityBlock {
  const r = new Reader(plain, 'IdentityBlock');
  const identityKey = r.fixed(IDENTITY_KEY_BYTES);
  const name = readName(r, 'IdentityBlock');
  const signature = r.fixed(SIGNATURE_BYTES);
  const confirm = r.fixed(CONFIRM_BYTES);
  r.finish();
  return { identityKey, name, signature, confirm };
}
