/**
 * The v0 Diffie–Hellman public key on the wire: a PEM `PUBLIC KEY` (RFC 7468 §13) holding a
 * SubjectPublicKeyInfo (RFC 5280 §4.1) with algorithm dhKeyAgreement (PKCS #3,
 * OID 1.2.840.113549.1.3.1), parameters `SEQUENCE { p INTEGER, g INTEGER }` and the public
 * value `y` as an INTEGER inside the BIT STRING. This is exactly what the original (Python
 * `cryptography` over OpenSSL) writes: 64-character base64 lines, a final newline, no
 * privateValueLength. The reader accepts only that canonical form: decoding and re-encoding
 * must give back the same bytes.
 */
import { remoteError } from '../errors.js';
import { fromB64, toB64 } from '../crypto/bytes.js';
import { DerReader, Tag, derBitString, derSequence, derTlv, derUInt } from './der.js';

/** DER contents of OID 1.2.840.113549.1.3.1 (dhKeyAgreement). */
const OID_DH_KEY_AGREEMENT = Uint8Array.of(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x03, 0x01);
export const PEM_BEGIN = '-----BEGIN PUBLIC KEY-----\n';
export const PEM_END = '-----END PUBLIC KEY-----\n';

/** A DH public key: group (p, g) and public value y, all unsigned big-endian, minimal. */
export interface DhPublicKey {
  readonly p: Uint8Array;
  readonly g: Uint8Array;
  readonly y: Uint8Array;
}

export function encodeDhSpki(k: DhPublicKey): Uint8Array {
  const alg = derSequence(derTlv(Tag.OID, OID_DH_KEY_AGREEMENT), derSequence(derUInt(k.p), derUInt(k.g)));
  return derSequence(alg, derBitString(derUInt(k.y)));
}

export function encodeDhPem(k: DhPublicKey): string {
  const b64 = toB64(encodeDhSpki(k));
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return PEM_BEGIN + lines.join('\n') + '\n' + PEM_END;
}

export function decodeDhSpki(der: Uint8Array): DhPublicKey {
  const outer = new DerReader(der);
  const spki = new DerReader(outer.read(Tag.SEQUENCE, 'SubjectPublicKeyInfo'));
  outer.end('SubjectPublicKeyInfo');
  const alg = new DerReader(spki.read(Tag.SEQUENCE, 'AlgorithmIdentifier'));
  const oid = alg.read(Tag.OID, 'algorithm');
  if (!bytesEq(oid, OID_DH_KEY_AGREEMENT)) throw remoteError('DECODE_ERROR', 'DH public key: algorithm is not dhKeyAgreement');
  const params = new DerReader(alg.read(Tag.SEQUENCE, 'DHParameter'));
  alg.end('AlgorithmIdentifier');
  const p = params.readUInt('prime');
  const g = params.readUInt('generator');
  params.end('DHParameter (privateValueLength is not accepted)');
  const bits = new DerReader(spki.readBitString('subjectPublicKey'));
  spki.end('SubjectPublicKeyInfo');
  const y = bits.readUInt('public value');
  bits.end('subjectPublicKey');
  return { p, g, y };
}

/** Parses a v0 PEM public key; refuses anything but the canonical form the original writes. */
export function decodeDhPem(pem: string): DhPublicKey {
  if (!pem.startsWith(PEM_BEGIN) || !pem.endsWith(PEM_END)) throw remoteError('DECODE_ERROR', 'DH public key: not a PEM PUBLIC KEY');
  const body = pem.slice(PEM_BEGIN.length, pem.length - PEM_END.length).replace(/\n/g, '');
  let der: Uint8Array;
  try {
    der = fromB64(body);
  } catch (e) {
    throw remoteError('DECODE_ERROR', 'DH public key: invalid base64', e);
  }
  const key = decodeDhSpki(der);
  if (encodeDhPem(key) !== pem) throw remoteError('DECODE_ERROR', 'DH public key: PEM is not in canonical form');
  return key;
}

function bytesEq(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
