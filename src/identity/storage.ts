/**
 * Files in the home: private directories (0700), private files (0600), atomic writes, and
 * JSON reads that fail with one plain sentence naming the file.
 *
 * Atomic write (what `rename` alone does not give): write a temporary file in the same
 * directory, fsync it, rename it over the target, then fsync the directory so the rename
 * itself survives a crash. A reader sees the old bytes or the new bytes, never a mix.
 *
 * A file that exists but cannot be read or parsed is reported and never replaced: writers
 * that update a file read it first through `readJsonFile`, which throws before any write.
 */
import { promises as fsp } from 'node:fs';
import { dirname } from 'node:path';
import { localError, isSecureChatError, type ErrorCode } from '../errors.js';
import { errnoCode, fsyncDir, readFileIfExists as readPrivate, storageError, writeTemp, FILE_MODE, type WriteOptions } from '../fs/private-files.js';

import { MAX_STATE_FILE_BYTES } from '../limits.js';
export { MAX_STATE_FILE_BYTES };

export { DIR_MODE, FILE_MODE, osReason, ensurePrivateDir, atomicWriteFile, type WriteOptions } from '../fs/private-files.js';

/**
 * Atomically creates `path` only if it does not exist (temp file, fsync, hard link, which
 * fails if the name is taken). Returns false, writing nothing, when the file already exists,
 * so two processes creating the same file at once agree on one content.
 */
export async function atomicCreateFile(path: string, bytes: Uint8Array, options: WriteOptions = {}): Promise<boolean> {
  let tmp: string | undefined;
  try {
    tmp = await writeTemp(path, bytes, options.mode ?? FILE_MODE);
    try {
      await fsp.link(tmp, path);
    } catch (e) {
      if (errnoCode(e) === 'EEXIST') return false;
      throw e;
    }
    await fsyncDir(dirname(path));
    return true;
  } catch (e) {
    throw storageError('create', path, e);
  } finally {
    if (tmp !== undefined) await fsp.rm(tmp, { force: true }).catch(() => undefined);
  }
}

/** Reads a whole file, refusing one larger than `MAX_STATE_FILE_BYTES`; `undefined` if absent. */
export function readFileIfExists(path: string, code: ErrorCode = 'STORAGE_ERROR'): Promise<Uint8Array | undefined> {
  return readPrivate(path, MAX_STATE_FILE_BYTES, code);
}

/** The JSON type of a value, for messages: `an object`, `an array`, `a string`, `null`, ... */
export function describeJsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'object': return 'an object';
    case 'string': return 'a string';
    case 'number': return 'a number';
    case 'boolean': return 'a boolean';
    default: return `a ${typeof v} value`;
  }
}

/** Line and column (both 1-based) of a UTF-16 offset in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** Whether `prefix` could still be the start of a JSON text (it parses, or only ends too early). */
function viablePrefix(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return true;
  } catch (e) {
    const msg = e instanceof Error ? e.message : '';
    if (/Unexpected end of JSON input/.test(msg)) return true;
    const at = / JSON at position (\d+)/.exec(msg);
    return at !== null && Number(at[1]) >= prefix.length;
  }
}

/**
 * The offset of the first character that makes `text` invalid JSON, for engine messages that
 * do not give one. Viable prefixes are closed under taking prefixes, so a binary search works.
 */
function firstBadOffset(text: string): number | undefined {
  if (viablePrefix(text)) return undefined;
  let lo = 0; // viable
  let hi = text.length; // not viable
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (viablePrefix(text.slice(0, mid))) lo = mid;
    else hi = mid;
  }
  return hi - 1;
}

/**
 * Parses UTF-8 JSON. On failure the message names the file and, when the engine tells us,
 * the line and column; it never quotes the file's content (it may hold a password).
 */
export function parseJsonBytes(bytes: Uint8Array, path: string, code: ErrorCode): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    throw localError(code, `${path} is not valid UTF-8 text`, e);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark from some editors
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const msg = e instanceof Error ? e.message : '';
    const at = /^(.*?) (in|after) JSON at position (\d+)/.exec(msg);
    let reason = 'it is malformed';
    let offset: number | undefined;
    if (at !== null) {
      reason = (at[1] ?? '').replace(/^./, (c) => c.toLowerCase()) + (at[2] === 'after' ? ' after the JSON value' : '');
      offset = Number(at[3]);
    } else if (/Unexpected end of JSON input/.test(msg)) {
      reason = 'it ends too early';
      offset = text.length;
    } else {
      const tok = /^Unexpected token '(.)'/u.exec(msg);
      if (tok !== null) reason = `unexpected character '${tok[1] ?? ''}'`;
      offset = firstBadOffset(text);
    }
    const where = offset === undefined ? '' : (() => {
      const { line, column } = lineColumn(text, offset);
      return ` at line ${line}, column ${column}`;
    })();
    throw localError(code, `${path} is not valid JSON${where}: ${reason}`, e);
  }
}

/**
 * Reads and validates a JSON file. `validate` turns the parsed value into `T` or throws; a
 * plain `Error` from it becomes `code` with the message `<path> is not valid: <message>`.
 * A missing file is `code` too ("it does not exist"); use `readJsonFileIfExists` when absence
 * is normal.
 */
export async function readJsonFile<T>(path: string, validate: (value: unknown) => T, code: ErrorCode = 'STORAGE_ERROR'): Promise<T> {
  const r = await readJsonFileIfExists(path, validate, code);
  if (r === undefined) throw localError(code, `could not read ${path}: it does not exist`);
  return r;
}

export async function readJsonFileIfExists<T>(path: string, validate: (value: unknown) => T, code: ErrorCode = 'STORAGE_ERROR'): Promise<T | undefined> {
  const bytes = await readFileIfExists(path, code);
  if (bytes === undefined) return undefined;
  const value = parseJsonBytes(bytes, path, code);
  try {
    return validate(value);
  } catch (e) {
    if (isSecureChatError(e)) throw e;
    const why = e instanceof Error ? e.message : 'it has an unexpected shape';
    throw localError(code, `${path} is not valid: ${why}; it was left unchanged`, e);
  }
}

/** Encodes a value as the JSON text we store: two-space indent, final newline. */
export function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
}
