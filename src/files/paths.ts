/**
 * Relative paths in a manifest (docs/FILES.md §2.1): '/'-separated components of strict
 * UTF-8, each 1..255 bytes, at most 32 deep and 1024 bytes in all. Refused with
 * FILE_PATH_UNSAFE: an absolute path, a drive letter, a `.` or `..` component, an empty
 * component (`a//b`, a trailing `/`), a backslash, NUL or any other control character
 * (C0, DEL, C1), and the bidirectional overrides that make a name read differently than it is.
 */
import { utf8 } from '../crypto/bytes.js';
import { MAX_COMPONENT_BYTES, MAX_PATH_BYTES, MAX_PATH_DEPTH } from './limits.js';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

/** Why `path` may not be written below a folder, or undefined when it may. */
export function pathProblem(path: string): string | undefined {
  if (path.length === 0) return 'an empty path';
  const bytes = utf8(path).length;
  if (bytes > MAX_PATH_BYTES) return `a path of ${bytes} bytes (at most ${MAX_PATH_BYTES})`;
  if (CONTROL.test(path)) return 'a path with a control character';
  if (path.includes('\\')) return 'a path with a backslash';
  if (path.startsWith('/')) return 'an absolute path';
  if (/^[A-Za-z]:/.test(path)) return 'a path with a drive letter';
  const parts = path.split('/');
  if (parts.length > MAX_PATH_DEPTH) return `a path ${parts.length} folders deep (at most ${MAX_PATH_DEPTH})`;
  for (const c of parts) {
    if (c === '') return 'a path with an empty component';
    if (c === '.' || c === '..') return `a path with a "${c}" component`;
    if (utf8(c).length > MAX_COMPONENT_BYTES) return `a name longer than ${MAX_COMPONENT_BYTES} bytes`;
  }
  return undefined;
}

const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/**
 * One component as a name safe on the common file systems (after `pathProblem` passed):
 * characters Windows refuses become `_`, trailing dots and spaces go, a reserved device
 * name gets a leading `_`, and a hidden name (leading dot) stays hidden but never `.`/`..`.
 */
export function safeComponent(c: string): string {
  let s = c.replace(/[<>:"|?*]/g, '_').replace(/[. ]+$/u, '');
  if (s === '' || s === '.' || s === '..') s = '_';
  if (RESERVED.test(s)) s = `_${s}`;
  return s;
}

/** A checked relative path as safe components. */
export function safeComponents(path: string): string[] {
  return path.split('/').map(safeComponent);
}
