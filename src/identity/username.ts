/**
 * Usernames: 1 to MAX_USERNAME_BYTES bytes of ASCII letters, digits, '.', '_' and '-', not
 * starting with '.' or '-'. A name is also a directory name (`<home>/users/<name>`) and a
 * command-line argument, so the first character rules out `.`, `..`, hidden directories and
 * names that look like options. Names that differ only in case are treated as the same name
 * where two of them could meet (users file, home), because some file systems fold case.
 */
import { MAX_USERNAME_BYTES } from '../limits.js';

const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** The rule, in words, for error messages. */
export const USERNAME_RULE = `use 1 to ${MAX_USERNAME_BYTES} letters, digits, '.', '_' or '-', not starting with '.' or '-'`;

/** `undefined` when `name` is a valid username, else a short reason. */
export function usernameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  // ASCII only, so the UTF-8 length is the string length once the pattern matched.
  if (!NAME_RE.test(name)) return `it is not a valid username (${USERNAME_RULE})`;
  if (name.length > MAX_USERNAME_BYTES) return `it is longer than ${MAX_USERNAME_BYTES} bytes`;
  return undefined;
}

export function isValidUsername(name: string): boolean {
  return usernameProblem(name) === undefined;
}

/** The key under which two names are "the same" (case folded). */
export function usernameKey(name: string): string {
  return name.toLowerCase();
}
