/**
 * The users file, pure part: validation of the parsed JSON and look-ups.
 *
 * Format (the original program's, read as is): a JSON array of
 *   {"username": string, "password"?: string, "ip": string, "port": integer}
 * plus optional fields: "fingerprint" (the user's identity-key fingerprint, 64 hex digits,
 * spaces or colons allowed), "relay" (the user's relay, "HOST:PORT" or "[V6]:PORT",
 * docs/RELAY.md) and any others, which are kept but ignored. "password" is only
 * needed until the user is registered (`securechat init`), then `users --strip-passwords`
 * removes it.
 *
 * Entries are numbered from 1 in messages ("entry 2" is the second object in the array).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { remoteError, type SecureChatError } from '../errors.js';
import { utf8 } from '../crypto/bytes.js';
import { describeJsonType } from './storage.js';
import { parseFingerprint, type Fingerprint } from './fingerprint.js';
import { usernameKey, usernameProblem } from './username.js';

export interface UserEntry {
  /** 1-based position in the file. */
  readonly entry: number;
  readonly username: string;
  readonly ip: string;
  readonly port: number;
  /** The entry has a plaintext password (read it with `entryPassword`). */
  readonly hasPassword: boolean;
  readonly fingerprint?: Fingerprint;
  /** The relay the user receives offline messages at (the optional "relay" field). */
  readonly relay?: RelayAddress;
}

export interface RelayAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * A relay address, `HOST:PORT` or `[V6]:PORT` (HOST an IPv4 address or a host name), or a
 * sentence saying what is wrong with it (for the users file and `--relay`).
 */
export function parseRelayAddress(s: string): RelayAddress | string {
  const m = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(s) ?? /^([^:[\]\s]+):(\d{1,5})$/.exec(s);
  if (m === null) return `must be HOST:PORT or [IPV6]:PORT, not ${quote(s)}`;
  const host = m[1] ?? '';
  const port = Number(m[2]);
  const bad = addressProblem(host);
  if (bad !== undefined) return `has a host that ${bad}`;
  if (!(port >= 1 && port <= 65_535)) return `must have a port from 1 to 65535, not ${m[2] ?? ''}`;
  return { host, port };
}

export interface UsersFile {
  /** Where it was read from (for messages). */
  readonly path: string;
  readonly users: readonly UserEntry[];
  /** One-line warnings to show (plaintext passwords), each with the command that fixes it. */
  readonly warnings: readonly string[];
}

/** Plaintext passwords live here, not on the entry, so printing an entry never shows one. */
const passwords = new WeakMap<UserEntry, string>();

/**
 * A fresh copy of the entry's plaintext password as UTF-8 bytes (the caller wipes it), or
 * `undefined` if the entry has none.
 */
export function entryPassword(e: UserEntry): Uint8Array | undefined {
  const p = passwords.get(e);
  return p === undefined ? undefined : utf8(p);
}

/** The command that removes plaintext passwords, for messages. */
export const STRIP_COMMAND = 'securechat users --strip-passwords';

const quote = (s: string): string => {
  const q = JSON.stringify(s);
  return q.length > 72 ? `${q.slice(0, 68)}..."` : q;
};

const entryLabel = (i: number, o: Record<string, unknown>): string =>
  typeof o['username'] === 'string' ? `entry ${i + 1} (${quote(o['username'])})` : `entry ${i + 1}`;

/** An RFC 1123 host name (letters, digits, hyphens; labels of 1-63; at most 253 in all). */
export function isHostName(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  const labels = s.split('.');
  if (!labels.every((l) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l))) return false;
  return !/^\d+$/.test(labels[labels.length - 1] ?? ''); // "999.1.1.1" is a bad IPv4, not a name
}

/** `undefined` if `ip` is an IPv4 address, an IPv6 address (no brackets) or a host name. */
export function addressProblem(ip: string): string | undefined {
  if (isIPv4(ip) || isIPv6(ip) || isHostName(ip)) return undefined;
  return `is not an IPv4 address, IPv6 address or host name (${quote(ip)})`;
}

/** The key under which two addresses are the same: lower case, IPv6 in canonical form. */
function addressKey(ip: string, port: number): string {
  let host = ip.toLowerCase();
  if (isIPv6(ip)) {
    try {
      host = new URL(`http://[${ip}]/`).hostname;
    } catch {
      // keep the lower-cased text
    }
  }
  return `${host}|${port}`;
}

export const formatAddress = (ip: string, port: number): string => (isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`);

export interface UsersCheck {
  readonly users: readonly UserEntry[];
  readonly warnings: readonly string[];
  /** Every problem found, each one sentence naming the entry and field. Empty when valid. */
  readonly problems: readonly string[];
}

/**
 * Checks a parsed users file and lists every problem. Never throws for any JSON value.
 * `source` names the file in messages (e.g. `users file ./users.json`).
 */
export function checkUsers(value: unknown, source: string): UsersCheck {
  if (!Array.isArray(value)) {
    return {
      users: [],
      warnings: [],
      problems: [`${source} must hold a JSON array of users like [{"username": "alice", "ip": "127.0.0.1", "port": 5001}], not ${describeJsonType(value)}`],
    };
  }
  const problems: string[] = [];
  const users: UserEntry[] = [];
  const withPassword: string[] = [];
  const byName = new Map<string, { i: number; name: string }>();
  const byAddress = new Map<string, { i: number; name: string }>();
  value.forEach((raw: unknown, i) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      problems.push(`${source}: entry ${i + 1} must be an object with "username", "ip" and "port", not ${describeJsonType(raw)}`);
      return;
    }
    const o = raw as Record<string, unknown>;
    const at = `${source}: ${entryLabel(i, o)}`;
    const before = problems.length;
    const field = (name: string, type: 'string' | 'number', required: boolean): boolean => {
      if (!Object.prototype.hasOwnProperty.call(o, name) || o[name] === undefined) {
        if (required) problems.push(`${at}: "${name}" is missing`);
        return false;
      }
      const v = o[name];
      if (typeof v !== type) {
        problems.push(`${at}: "${name}" must be a ${type}, not ${describeJsonType(v)}`);
        return false;
      }
      return true;
    };
    if (field('username', 'string', true)) {
      const p = usernameProblem(o['username'] as string);
      if (p !== undefined) problems.push(`${at}: "username" ${p === 'it is empty' ? 'is empty' : p.replace(/^it /, '')}`);
    }
    if (field('ip', 'string', true)) {
      const p = addressProblem(o['ip'] as string);
      if (p !== undefined) problems.push(`${at}: "ip" ${p}`);
    }
    if (field('port', 'number', true)) {
      const port = o['port'] as number;
      if (!Number.isInteger(port) || port < 1 || port > 65_535) problems.push(`${at}: "port" must be an integer from 1 to 65535, not ${port}`);
    }
    if (field('password', 'string', false) && (o['password'] as string).length === 0) {
      problems.push(`${at}: "password" is empty (remove the field once the user is registered)`);
    }
    let fingerprint: Fingerprint | undefined;
    if (field('fingerprint', 'string', false)) {
      fingerprint = parseFingerprint(o['fingerprint'] as string);
      if (fingerprint === undefined) problems.push(`${at}: "fingerprint" must be 64 hexadecimal digits (spaces and colons allowed)`);
    }
    let relay: RelayAddress | undefined;
    if (field('relay', 'string', false)) {
      const r = parseRelayAddress(o['relay'] as string);
      if (typeof r === 'string') problems.push(`${at}: "relay" ${r}`);
      else relay = r;
    }
    if (problems.length > before) return;

    const username = o['username'] as string;
    const ip = o['ip'] as string;
    const port = o['port'] as number;
    const dupName = byName.get(usernameKey(username));
    if (dupName !== undefined) {
      const same = dupName.name === username ? '' : ` (${quote(dupName.name)}; names that differ only in case are the same)`;
      problems.push(`${at}: the username ${quote(username)} is already used by entry ${dupName.i + 1}${same}`);
      return;
    }
    const dupAddr = byAddress.get(addressKey(ip, port));
    if (dupAddr !== undefined) {
      problems.push(`${at}: the address ${formatAddress(ip, port)} is already used by entry ${dupAddr.i + 1} (${quote(dupAddr.name)})`);
      return;
    }
    byName.set(usernameKey(username), { i, name: username });
    byAddress.set(addressKey(ip, port), { i, name: username });
    const password = o['password'];
    const entry: UserEntry = {
      entry: i + 1,
      username,
      ip,
      port,
      hasPassword: typeof password === 'string',
      ...(fingerprint === undefined ? {} : { fingerprint }),
      ...(relay === undefined ? {} : { relay }),
    };
    if (typeof password === 'string') {
      passwords.set(entry, password);
      withPassword.push(username);
    }
    users.push(entry);
  });
  const warnings =
    withPassword.length === 0
      ? []
      : [`${source} holds plaintext passwords (${withPassword.join(', ')}); after \`securechat init --user NAME\` for each, run \`${STRIP_COMMAND}\` to remove them`];
  return { users, warnings, problems };
}

/**
 * Validates a parsed users file: the entries and warnings, or `USERS_FILE_INVALID` carrying
 * the first problem (and how many more there are). Never throws anything else.
 */
export function validateUsers(value: unknown, source: string): { users: readonly UserEntry[]; warnings: readonly string[] } {
  const r = checkUsers(value, source);
  const first = r.problems[0];
  if (first !== undefined) {
    const more = r.problems.length - 1;
    throw remoteError('USERS_FILE_INVALID', more === 0 ? first : `${first} (and ${more} more problem${more === 1 ? '' : 's'})`);
  }
  return { users: r.users, warnings: r.warnings };
}

function names(file: UsersFile): string {
  const n = file.users.map((u) => u.username);
  if (n.length === 0) return 'it lists nobody';
  return `it lists ${n.slice(0, 10).join(', ')}${n.length > 10 ? `, and ${n.length - 10} more` : ''}`;
}

/** The entry for `name` (exact, then case-insensitive); `UNKNOWN_USER` if none. */
export function findUser(file: UsersFile, name: string): UserEntry {
  const exact = file.users.find((u) => u.username === name);
  if (exact !== undefined) return exact;
  const folded = file.users.find((u) => usernameKey(u.username) === usernameKey(name));
  if (folded !== undefined) return folded;
  throw unknownUser(file, `unknown user ${quote(name)}: not in the users file ${file.path} (${names(file)})`);
}

function unknownUser(_file: UsersFile, detail: string): SecureChatError {
  return remoteError('UNKNOWN_USER', detail);
}

/**
 * The entry listening on `port` (and `ip`, if given). `UNKNOWN_USER` if none; `USAGE` if
 * several entries on different addresses use that port and no `ip` was given.
 */
export function findUserByPort(file: UsersFile, port: number, ip?: string): UserEntry {
  const key = ip === undefined ? undefined : addressKey(ip, port);
  const hits = file.users.filter((u) => u.port === port && (key === undefined || addressKey(u.ip, u.port) === key));
  const [only, ...rest] = hits;
  if (only === undefined) {
    const where = ip === undefined ? `port ${port}` : `address ${formatAddress(ip, port)}`;
    throw unknownUser(file, `no user in the users file ${file.path} has ${where} (${names(file)})`);
  }
  if (rest.length > 0) {
    const list = hits.map((u) => `${u.username} on ${u.ip}`).join(', ');
    throw remoteError('USAGE', `several users in ${file.path} use port ${port} (${list}); give the IP address too`);
  }
  return only;
}

/** The entry at exactly `ip`:`port`, or `undefined` (connecting to an address not in the file). */
export function findUserByAddress(file: UsersFile, ip: string, port: number): UserEntry | undefined {
  const key = addressKey(ip, port);
  return file.users.find((u) => addressKey(u.ip, u.port) === key);
}
