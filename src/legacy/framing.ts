/**
 * Where one v0 message ends. v0 has no framing: each message is one `send()`, read with one
 * `recv(1024)` (legacy-v0.md "Shape of a session"). We read "the bytes available now, up to
 * the expected end": each state lists the shapes it expects; a shape says the buffer holds a
 * complete message of some length (`number`), could still become one (`'more'`), or cannot
 * (`'no'`). If no shape matches and none can, the whole buffer is the (malformed) message,
 * which is what `recv` would have handed the original.
 */
import { PEM_BEGIN, PEM_END } from './dh-pem.js';

export type ShapeResult = number | 'more' | 'no';
export type Shape = (buf: string) => ShapeResult;

/** The bytes as a binary ("latin1") string, so byte offsets equal string offsets. */
export const binary = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

/**
 * `shape`, but only when it spans every byte available: for a message after which the peer
 * waits for our answer, nothing may follow it (the original would have read it along).
 */
export const whole =
  (shape: Shape): Shape =>
  (buf) => {
    const r = shape(buf);
    return typeof r === 'number' && r !== buf.length ? 'no' : r;
  };

/** Exactly `s`. */
export const literal =
  (s: string): Shape =>
  (buf) => {
    if (buf.startsWith(s)) return s.length;
    return s.startsWith(buf) ? 'more' : 'no';
  };

/** `prefix` followed by exactly `n` lower-case hex digits. */
export const hexTagged =
  (prefix: string, n: number): Shape =>
  (buf) => {
    const head = buf.slice(0, prefix.length);
    if (!prefix.startsWith(head)) return 'no';
    if (buf.length < prefix.length) return 'more';
    const tail = buf.slice(prefix.length, prefix.length + n);
    if (!/^[0-9a-f]*$/.test(tail)) return 'no';
    return tail.length === n ? prefix.length + n : 'more';
  };

/**
 * `prefix` followed by 1..maxDigits decimal digits and nothing else that is available: the
 * challenge has no terminator, so it is all the bytes available (as `recv` in the original).
 */
export const decimalTagged =
  (prefix: string, maxDigits: number): Shape =>
  (buf) => {
    if (buf.length <= prefix.length) return prefix.startsWith(buf) ? 'more' : 'no';
    if (!buf.startsWith(prefix)) return 'no';
    const digits = buf.slice(prefix.length);
    return /^[0-9]+$/.test(digits) && digits.length <= maxDigits ? buf.length : 'no';
  };

/** A PEM public key, up to and including `-----END PUBLIC KEY-----\n`. */
export const pem: Shape = (buf) => {
  if (buf.length < PEM_BEGIN.length) return PEM_BEGIN.startsWith(buf) ? 'more' : 'no';
  if (!buf.startsWith(PEM_BEGIN)) return 'no';
  const end = buf.indexOf(PEM_END);
  return end < 0 ? 'more' : end + PEM_END.length;
};

/**
 * One JSON object, found by scanning braces outside strings (leading JSON whitespace allowed).
 * Only the extent is found here; the content is parsed strictly later.
 */
export const jsonObject: Shape = (buf) => {
  let i = 0;
  while (i < buf.length && ' \t\n\r'.includes(buf[i] ?? '')) i++;
  if (i === buf.length) return 'more';
  if (buf[i] !== '{') return 'no';
  let depth = 0;
  let inString = false;
  for (; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
      if (depth < 0) return 'no';
    }
  }
  return 'more';
};

export type Framed = { readonly kind: 'more' } | { readonly kind: 'message'; readonly length: number; readonly shape: number };

/**
 * The first complete message in `buf` per `shapes` (index of the shape that matched), or
 * `more`; when nothing matches or can, the whole buffer with `shape: -1`.
 */
export function frame(buf: Uint8Array, shapes: readonly Shape[]): Framed {
  const s = binary(buf);
  let more = false;
  for (let k = 0; k < shapes.length; k++) {
    const r = shapes[k]?.(s) ?? 'no';
    if (typeof r === 'number') return { kind: 'message', length: r, shape: k };
    if (r === 'more') more = true;
  }
  return more ? { kind: 'more' } : { kind: 'message', length: buf.length, shape: -1 };
}
