/**
 * Python's `str(b)` / `repr(b)` for a `bytes` object (CPython `bytes_repr`,
 * Objects/bytesobject.c), which v0 uses as the HMAC key of its "chap" chain.
 *
 * The quote is `'` unless the bytes contain `'` and no `"`, in which case it is `"`.
 * `\\`, the chosen quote, `\t`, `\n`, `\r` are escaped; other bytes outside 0x20..0x7e are
 * `\xhh` (lower-case hex); everything else is itself.
 */
export function pyBytesRepr(b: Uint8Array): string {
  const hasSingle = b.includes(0x27);
  const hasDouble = b.includes(0x22);
  const quote = hasSingle && !hasDouble ? 0x22 : 0x27;
  let out = 'b' + String.fromCharCode(quote);
  for (const c of b) {
    if (c === quote || c === 0x5c) out += '\\' + String.fromCharCode(c);
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c < 0x20 || c >= 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += String.fromCharCode(c);
  }
  return out + String.fromCharCode(quote);
}
