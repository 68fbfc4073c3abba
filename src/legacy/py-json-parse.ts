/**
 * A strict parser for the JSON that Python's `json.loads` accepts (default settings), into the
 * order- and type-preserving model of `py-json.ts`.
 *
 * As CPython's decoder: whitespace is space, tab, LF, CR; numbers follow
 * `-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?` and are an int unless they have a fraction or an
 * exponent; `NaN`, `Infinity` and `-Infinity` are floats; control characters inside strings
 * are refused (`strict=True`); `\uXXXX` escapes may leave lone surrogates; a repeated key keeps
 * the first key's position and the last value (dict assignment). Trailing data is refused.
 * Unlike CPython we bound nesting depth (`LEGACY_MAX_JSON_DEPTH`).
 *
 * Errors are `DECODE_ERROR` (remote): the text comes from the network.
 */
import { remoteError } from '../errors.js';
import { LEGACY_MAX_JSON_DEPTH } from './limits.js';
import type { PyJson } from './py-json.js';

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;
const WS = /[ \t\n\r]*/y;
const ESC: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

export function pyLoads(text: string): PyJson {
  const p = new Parser(text);
  p.ws();
  const v = p.value(0);
  p.ws();
  if (p.i !== text.length) throw p.fail('extra data after the JSON value');
  return v;
}

class Parser {
  i = 0;
  constructor(private readonly s: string) {}

  fail(why: string): Error {
    return remoteError('DECODE_ERROR', `invalid JSON at offset ${this.i}: ${why}`);
  }

  ws(): void {
    WS.lastIndex = this.i;
    WS.exec(this.s);
    this.i = WS.lastIndex;
  }

  value(depth: number): PyJson {
    if (depth > LEGACY_MAX_JSON_DEPTH) throw this.fail('nested too deeply');
    const c = this.s[this.i];
    if (c === '{') return this.dict(depth);
    if (c === '[') return this.list(depth);
    if (c === '"') return { t: 'str', v: this.string() };
    for (const [word, v] of WORDS) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    return this.number();
  }

  private dict(depth: number): PyJson {
    this.i++;
    const entries: [string, PyJson][] = [];
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return { t: 'dict', v: entries };
    }
    for (;;) {
      if (this.s[this.i] !== '"') throw this.fail('expected a key');
      const k = this.string();
      this.ws();
      if (this.s[this.i] !== ':') throw this.fail("expected ':'");
      this.i++;
      this.ws();
      const v = this.value(depth + 1);
      const at = entries.findIndex(([key]) => key === k);
      if (at >= 0) entries[at] = [k, v];
      else entries.push([k, v]);
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return { t: 'dict', v: entries };
      if (c !== ',') throw this.fail("expected ',' or '}'");
      this.ws();
    }
  }

  private list(depth: number): PyJson {
    this.i++;
    const items: PyJson[] = [];
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return { t: 'list', v: items };
    }
    for (;;) {
      items.push(this.value(depth + 1));
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return { t: 'list', v: items };
      if (c !== ',') throw this.fail("expected ',' or ']'");
      this.ws();
    }
  }

  private string(): string {
    this.i++;
    let out = '';
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined) throw this.fail('unterminated string');
      const code = c.charCodeAt(0);
      if (code < 0x20) throw this.fail('control character in string');
      this.i++;
      if (c === '"') return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.s[this.i++];
      if (e === 'u') {
        const hex = this.s.slice(this.i, this.i + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw this.fail('bad \\u escape');
        out += String.fromCharCode(parseInt(hex, 16));
        this.i += 4;
        continue;
      }
      const m = e === undefined ? undefined : ESC[e];
      if (m === undefined) throw this.fail('bad escape');
      out += m;
    }
  }

  private number(): PyJson {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.s);
    if (m === null) throw this.fail('expected a value');
    this.i = NUMBER.lastIndex;
    if (m[1] === undefined && m[2] === undefined) return { t: 'int', v: BigInt(m[0]) };
    return { t: 'float', v: Number(m[0]) };
  }
}

const WORDS: readonly (readonly [string, PyJson])[] = [
  ['null', { t: 'null' }],
  ['true', { t: 'bool', v: true }],
  ['false', { t: 'bool', v: false }],
  ['NaN', { t: 'float', v: NaN }],
  ['Infinity', { t: 'float', v: Infinity }],
  ['-Infinity', { t: 'float', v: -Infinity }],
];
