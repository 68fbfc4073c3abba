/** Where a conversation goes: `--to NAME`, `HOST:PORT` or `NAME@HOST:PORT`, resolved against the users file. */
import { localError } from '../errors.js';
import { findUser, findUserByAddress, formatAddress, type UsersFile } from '../identity/users-file.js';

export interface Target {
  /** The listener's account (username). */
  readonly account: string;
  readonly host: string;
  readonly port: number;
}

/** A port number in text (`what` names it in the error); 0 only with `allowZero`. */
export function parsePort(text: string, what: string, allowZero = false): number {
  if (!/^\d{1,5}$/.test(text)) throw localError('USAGE', `${what} must be a number from ${allowZero ? 0 : 1} to 65535, not "${text.slice(0, 20)}"`);
  const n = Number(text);
  if (n > 65_535 || (n === 0 && !allowZero)) throw localError('USAGE', `${what} must be a number from ${allowZero ? 0 : 1} to 65535, not ${n}`);
  return n;
}

/** `HOST:PORT` or `[V6]:PORT`, or undefined if `s` is not an address. */
export function parseAddress(s: string): { host: string; port: number } | undefined {
  const m = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(s) ?? /^([^:@\s]+):(\d{1,5})$/.exec(s);
  if (m === null) return undefined;
  return { host: m[1] ?? '', port: parsePort(m[2] ?? '', `the port in "${s}"`) };
}

/** `--to NAME`, `--to HOST:PORT` (its name from the users file), or `--to NAME@HOST:PORT`. */
export function resolveTarget(to: string, users: UsersFile | undefined): Target {
  const at = to.lastIndexOf('@');
  if (at > 0) {
    const addr = parseAddress(to.slice(at + 1));
    if (addr === undefined) throw localError('USAGE', `"${to}" is not NAME@HOST:PORT`);
    return { account: to.slice(0, at), ...addr };
  }
  const addr = parseAddress(to);
  if (addr !== undefined) {
    const e = users === undefined ? undefined : findUserByAddress(users, addr.host, addr.port);
    if (e === undefined) {
      throw localError('UNKNOWN_USER', `nobody in the users file listens at ${formatAddress(addr.host, addr.port)}, so whose password to use is unknown; say whose it is with --to NAME@${formatAddress(addr.host, addr.port)}`);
    }
    return { account: e.username, ...addr };
  }
  if (users === undefined) throw localError('CONFIG', `to find "${to}" a users file is needed; pass --users FILE, or use --to NAME@HOST:PORT`);
  const e = findUser(users, to);
  return { account: e.username, host: e.ip, port: e.port };
}
