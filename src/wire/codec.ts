/**
 * Field readers and writers for message bodies (docs/PROTOCOL.md §2). A `Reader` refuses to
 * read past the end and `finish()` refuses leftover bytes; both are `DECODE_ERROR`.
 */
import { concat, readU16, readU32, readU64, u16be, u8 } from '../crypto/bytes.js';
import { remoteError } from '../errors.js';

export class Reader {
  #b: Uint8Array;
  #o = 0;
  readonly #what: string;

  constructor(bytes: Uint8Array, what: string) {
    this.#b = bytes;
    this.#what = what;
  }

  #need(n: number): void {
    if (this.#o + n > this.#b.length) throw remoteError('DECODE_ERROR', `${this.#what}: truncated`);
  }

  u8(): number {
    this.#need(1);
    return this.#b[this.#o++] ?? 0;
  }

  u32(): number {
    this.#need(4);
    const v = readU32(this.#b, this.#o);
    this.#o += 4;
    return v;
  }

  u64(): number {
    this.#need(8);
    const v = readU64(this.#b, this.#o);
    this.#o += 8;
    if (!Number.isFinite(v)) throw remoteError('DECODE_ERROR', `${this.#what}: 64-bit value out of range`);
    return v;
  }

  fixed(n: number): Uint8Array {
    this.#need(n);
    const v = this.#b.slice(this.#o, this.#o + n);
    this.#o += n;
    return v;
  }

  opaque8(min: number, max: number): Uint8Array {
    const n = this.u8();
    if (n < min || n > max) throw remoteError('DECODE_ERROR', `${this.#what}: field length ${n} outside ${min}..${max}`);
    return this.fixed(n);
  }

  opaque16(min: number, max: number): Uint8Array {
    this.#need(2);
    const n = readU16(this.#b, this.#o);
    this.#o += 2;
    if (n < min || n > max) throw remoteError('DECODE_ERROR', `${this.#what}: field length ${n} outside ${min}..${max}`);
    return this.fixed(n);
  }

  /** Everything left. */
  rest(): Uint8Array {
    const v = this.#b.slice(this.#o);
    this.#o = this.#b.length;
    return v;
  }

  /** Everything left, as a view of the input (no copy): for inputs the caller owns outright. */
  restView(): Uint8Array {
    const v = this.#b.subarray(this.#o);
    this.#o = this.#b.length;
    return v;
  }

  finish(): void {
    if (this.#o !== this.#b.length) throw remoteError('DECODE_ERROR', `${this.#what}: ${this.#b.length - this.#o} unexpected trailing bytes`);
  }
}

export function opaque8(b: Uint8Array): Uint8Array {
  if (b.length > 0xff) throw new RangeError('opaque8 too long');
  return concat(u8(b.length), b);
}

export function opaque16(b: Uint8Array): Uint8Array {
  if (b.length > 0xffff) throw new RangeError('opaque16 too long');
  return concat(u16be(b.length), b);
}
