/**
 * Passwords: from `--password-file FILE` (its first line), else a hidden prompt on a terminal,
 * else the next line of standard input. Never from the command line, never echoed, never
 * logged, never turned into a string here (the OPAQUE library makes its own copy).
 */
import { promises as fsp } from 'node:fs';
import { resolve } from 'node:path';
import { ctEqual, wipe } from '../crypto/bytes.js';
import { localError } from '../errors.js';
import type { Input } from './input.js';
import type { Output } from './output.js';

import { MAX_PASSWORD_FILE_BYTES } from '../limits.js';
export { MAX_PASSWORD_FILE_BYTES };

export interface PasswordSource {
  readonly input: Input;
  readonly out: Output;
  readonly passwordFile?: string | undefined;
}

async function fromFile(path: string): Promise<Uint8Array> {
  const p = resolve(path);
  let bytes: Uint8Array;
  try {
    const st = await fsp.stat(p);
    if (!st.isFile()) throw localError('USAGE', `the password file ${p} is not a regular file`);
    if (st.size > MAX_PASSWORD_FILE_BYTES) throw localError('USAGE', `the password file ${p} is larger than ${MAX_PASSWORD_FILE_BYTES} bytes; it should hold one line`);
    bytes = new Uint8Array(await fsp.readFile(p));
  } catch (e) {
    if (e instanceof Error && e.name === 'SecureChatError') throw e;
    throw localError('USAGE', `could not read the password file ${p}; check the path given to --password-file`, e);
  }
  let end = bytes.indexOf(0x0a);
  if (end < 0) end = bytes.length;
  if (end > 0 && bytes[end - 1] === 0x0d) end--;
  const pw = bytes.slice(0, end);
  wipe(bytes);
  if (pw.length === 0) throw localError('USAGE', `the password file ${p} is empty; put the password on its first line`);
  return pw;
}

async function once(src: PasswordSource, prompt: string): Promise<Uint8Array> {
  let pw: Uint8Array | null;
  try {
    pw = await src.input.readSecretLine(() => {
      if (src.input.isTTY) src.out.prompt(prompt);
    });
  } finally {
    if (src.input.isTTY) src.out.prompt('\n');
  }
  if (pw === null) {
    throw localError('USAGE', 'no password was given: standard input ended before the password line; pipe the password as a line of input or use --password-file FILE');
  }
  if (pw.length === 0) throw localError('USAGE', 'the password is empty; type it again');
  return pw;
}

/**
 * Reads a password. With `confirm` (used by `init` on a terminal) it is asked twice and the
 * two must match. The caller owns the returned bytes and should `wipe` them.
 */
export async function readPassword(src: PasswordSource, prompt: string, confirm = false): Promise<Uint8Array> {
  if (src.passwordFile !== undefined) return fromFile(src.passwordFile);
  const pw = await once(src, prompt);
  if (confirm && src.input.isTTY) {
    let again: Uint8Array;
    try {
      again = await once(src, 'the same password again: ');
    } catch (e) {
      wipe(pw);
      throw e;
    }
    const same = ctEqual(pw, again);
    wipe(again);
    if (!same) {
      wipe(pw);
      throw localError('USAGE', 'the two passwords differ; nothing was saved, run the command again');
    }
  }
  return pw;
}
