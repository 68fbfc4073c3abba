/**
 * The JSON value model of Python's `json` module, and `json.dumps` with default settings.
 *
 * v0 computes its CRC over `json.dumps(message)` after a `json.loads` round trip, so we keep
 * what JS's JSON.parse loses: key order (a Python dict keeps insertion order, JS objects put
 * integer-like keys first), and int versus float (`5` versus `5.0`).
 */
import { pyFloatRepr } from './py-float-repr.js';

export type PyJson =
  | { readonly t: 'null' }
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'int'; readonly v: bigint }
  | { readonly t: 'float'; readonly v: number }
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'list'; readonly v: readonly PyJson[] }
  | { readonly t: 'dict'; readonly v: readonly (readonly [string, PyJson])[] };

export const py = {
  null: { t: 'null' } as const,
  bool: (v: boolean): PyJson => ({ t: 'bool', v }),
  int: (v: bigint | number): PyJson => ({ t: 'int', v: BigInt(v) }),
  float: (v: number): PyJson => ({ t: 'float', v }),
  str: (v: string): PyJson => ({ t: 'str', v }),
  list: (v: readonly PyJson[]): PyJson => ({ t: 'list', v }),
  dict: (v: readonly (readonly [string, PyJson])[]): PyJson => ({ t: 'dict', v }),
};

/** `d[key]` for a dict value; `undefined` when `d` is not a dict or has no such key. */
export function pyGet(d: PyJson | undefined, key: string): PyJson | undefined {
  if (d?.t !== 'dict') return undefined;
  for (const [k, v] of d.v) if (k === key) return v;
  return undefined;
}

/** A copy of dict `d` with `key`'s value replaced in place (same position). */
export function pySet(d: PyJson & { t: 'dict' }, key: string, value: PyJson): PyJson {
  return { t: 'dict', v: d.v.map(([k, v]) => [k, k === key ? value : v] as const) };
}

/**
 * `json.dumps(value)` with Python's defaults: `ensure_ascii=True`, separators `", "` and
 * `": "`, `allow_nan=True`. Every UTF-16 code unit outside 0x20..0x7e is written as
 * `\uXXXX` (lower-case hex), so astral characters become surrogate pairs, as in CPython's
 * `py_encode_basestring_ascii`.
 */
export function pyDumps(value: PyJson): string {
  switch (value.t) {
    case 'null':
      return 'null';
    case 'bool':
      return value.v ? 'true' : 'false';
    case 'int':
      return value.v.toString();
    case 'float':
      return pyFloatRepr(value.v);
    case 'str':
      return pyDumpsString(value.v);
    case 'list':
      return '[' + value.v.map(pyDumps).join(', ') + ']';
    case 'dict':
      return '{' + value.v.map(([k, v]) => `${pyDumpsString(k)}: ${pyDumps(v)}`).join(', ') + '}';
  }
}

const NAMED: Readonly<Record<number, string>> = {
  0x22: '\\"',
  0x5c: '\\\\',
  0x0a: '\\n',
  0x0d: '\\r',
  0x09: '\\t',
  0x08: '\\b',
  0x0c: '\\f',
};

/** A JSON string literal as Python's `json.dumps` writes it (ensure_ascii). */
export function pyDumpsString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const named = NAMED[c];
    if (named !== undefined) out += named;
    else if (c < 0x20 || c > 0x7e) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += s[i];
  }
  return out + '"';
}
