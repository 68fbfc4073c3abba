/**
 * The few DER (ITU-T X.690) pieces a v0 DH public key needs: SEQUENCE, OBJECT IDENTIFIER,
 * INTEGER (non-negative only), BIT STRING. The reader is strict: definite, minimally encoded
 * lengths; minimally encoded, non-negative INTEGERs; every element consumed exactly; nothing
 * left over. Anything else is `DECODE_ERROR` (remote).
 */
import { remoteError } from '../errors.js';
import { concat } from '../crypto/bytes.js';

export const Tag = { INTEGER: 0x02, BIT_STRING: 0x03, OID: 0x06, SEQUENCE: 0x30 } as const;
export type Tag = (typeof Tag)[keyof typeof Tag];

// ---- writer ----

function derLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  if (n <= 0xff) return Uint8Array.of(0x81, n);
  if (n <= 0xffff) return Uint8Array.of(0x82, n >>> 8, n & 0xff);
  throw new RangeError('DER element too long');
}

export function derTlv(tag: Tag, content: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(tag), derLength(content.length), content);
}

export const derSequence = (...items: Uint8Array[]): Uint8Array => derTlv(Tag.SEQUENCE, concat(...items));

/** INTEGER from an unsigned big-endian magnitude (leading zeros allowed in the input). */
export function derUInt(magnitude: Uint8Array): Uint8Array {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  let m = magnitude.subarray(i);
  if (m.length === 0) m = Uint8Array.of(0);
  if ((m[0] ?? 0) & 0x80) m = concat(Uint8Array.of(0), m);
  return derTlv(Tag.INTEGER, m);
}

export const derBitString = (content: Uint8Array): Uint8Array => derTlv(Tag.BIT_STRING, concat(Uint8Array.of(0), content));

// ---- reader ----

/** A cursor over one DER element's contents. */
export class DerReader {
  private off = 0;
  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.off === this.buf.length;
  }

  /** Reads one element with the expected tag and returns its contents. */
  read(tag: Tag, what: string): Uint8Array {
    const b = this.buf;
    if (b[this.off] !== tag) throw bad(`${what}: expected tag 0x${tag.toString(16)}`);
    let p = this.off + 1;
    const first = b[p++];
    if (first === undefined) throw bad(`${what}: truncated length`);
    let len: number;
    if (first < 0x80) len = first;
    else {
      const n = first & 0x7f;
      if (n === 0 || n > 2) throw bad(`${what}: unsupported length form`);
      len = 0;
      for (let k = 0; k < n; k++) {
        const x = b[p++];
        if (x === undefined) throw bad(`${what}: truncated length`);
        if (k === 0 && x === 0) throw bad(`${what}: non-minimal length`);
        len = len * 256 + x;
      }
      if (len < 0x80) throw bad(`${what}: non-minimal length`);
    }
    if (p + len > b.length) throw bad(`${what}: truncated`);
    this.off = p + len;
    return b.subarray(p, p + len);
  }

  /** Reads a non-negative INTEGER; returns its magnitude without the sign byte. */
  readUInt(what: string): Uint8Array {
    const c = this.read(Tag.INTEGER, what);
    if (c.length === 0) throw bad(`${what}: empty INTEGER`);
    if ((c[0] ?? 0) & 0x80) throw bad(`${what}: negative INTEGER`);
    if (c.length > 1 && c[0] === 0 && ((c[1] ?? 0) & 0x80) === 0) throw bad(`${what}: non-minimal INTEGER`);
    return c[0] === 0 && c.length > 1 ? c.subarray(1) : c;
  }

  /** Reads a BIT STRING with zero unused bits; returns the bits as bytes. */
  readBitString(what: string): Uint8Array {
    const c = this.read(Tag.BIT_STRING, what);
    if (c[0] !== 0) throw bad(`${what}: BIT STRING with unused bits`);
    return c.subarray(1);
  }

  end(what: string): void {
    if (!this.done) throw bad(`${what}: trailing bytes`);
  }
}

function bad(detail: string): Error {
  return remoteError('DECODE_ERROR', `DH public key: ${detail}`);
}
