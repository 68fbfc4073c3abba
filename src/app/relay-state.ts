/**
 * A local user's offline-delivery state (docs/RELAY.md §10.4), two files in the user's
 * directory, both mode 0600 (secret, like identity.json):
 *
 * - `relay-use.json` `{"host","port","key"}`: the user's own relay, written by `securechat relay
 *   use` only (read by the agent).
 * - `relay-mailbox.json`: written by the agent only, atomically (temp file, fsync, rename):
 *   the user's mailbox key seed, the queues it made for its contacts (reader credentials and
 *   the inbound counter state), the contacts' offers (sender credentials, their mailbox key,
 *   the outbound counter and the counters of messages sealed but not yet receipted).
 *
 * A file that does not parse is `STORAGE_ERROR` and is never overwritten by a partial state:
 * the agent refuses to use the relay for that user until it is fixed or removed.
 */
import { join } from 'node:path';
import { fromHex, fromUtf8, toHex, utf8 } from '../crypto/bytes.js';
import { localError } from '../errors.js';
import { atomicWriteFile, readFileIfExists } from '../fs/private-files.js';
import { MAX_RELAY_MAILBOX_FILE_BYTES, RELAY_RECENT_IDS } from '../limits.js';
import { FRESH_INBOUND, type InboundState } from './relay-inbox.js';

export const RELAY_USE_FILE = 'relay-use.json';
export const RELAY_MAILBOX_FILE = 'relay-mailbox.json';

export interface RelayEndpoint {
  readonly host: string;
  readonly port: number;
  /** The relay's static key (32 bytes), pinned. */
  readonly key: Uint8Array;
}

/** A queue this user made for one contact (it reads it). */
export interface OwnQueue extends RelayEndpoint {
  readonly recvId: Uint8Array;
  readonly recvSeed: Uint8Array;
  readonly sendId: Uint8Array;
  readonly sendSeed: Uint8Array;
  inbound: InboundState;
}

/** A contact's offer (this user sends to it). */
export interface ContactMailbox extends RelayEndpoint {
  readonly sendId: Uint8Array;
  readonly sendSeed: Uint8Array;
  readonly mailboxKey: Uint8Array;
  nextOut: number;
  /** Message id (hex) → the counter it was sealed with (a retry reuses it). */
  pending: Record<string, number>;
}

export interface MailboxState {
  readonly mailboxSeed: Uint8Array;
  readonly queues: Map<string, OwnQueue>;
  readonly contacts: Map<string, ContactMailbox>;
}

function bad(path: string, why: string): Error {
  return localError('STORAGE_ERROR', `${path} cannot be used: ${why}`);
}

type J = Record<string, unknown>;
function obj(v: unknown, path: string, what: string): J {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(path, `${what} is not an object`);
  return v as J;
}
function hex(o: J, k: string, len: number, path: string): Uint8Array {
  const v = o[k];
  if (typeof v !== 'string' || !new RegExp(`^[0-9a-f]{${len * 2}}$`).test(v)) throw bad(path, `"${k}" is not ${len} bytes of hex`);
  return fromHex(v);
}
function int(o: J, k: string, path: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) throw bad(path, `"${k}" is not an integer from ${min}`);
  return v;
}
function endpoint(o: J, path: string): RelayEndpoint {
  const host = o['host'];
  if (typeof host !== 'string' || host.length < 1 || host.length > 253) throw bad(path, '"host" is not a host');
  return { host, port: int(o, 'port', path, 1, 65_535), key: hex(o, 'key', 32, path) };
}
function endpointJson(e: RelayEndpoint): J {
  return { host: e.host, port: e.port, key: toHex(e.key) };
}

async function readJson(path: string): Promise<unknown> {
  const bytes = await readFileIfExists(path, MAX_RELAY_MAILBOX_FILE_BYTES);
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(fromUtf8(bytes));
  } catch {
    throw bad(path, 'it is not JSON');
  }
}

/** The user's own relay (`securechat relay use`), or undefined. */
export async function loadRelayUse(userDir: string): Promise<RelayEndpoint | undefined> {
  const path = join(userDir, RELAY_USE_FILE);
  const v = await readJson(path);
  return v === undefined ? undefined : endpoint(obj(v, path, 'the file'), path);
}

export async function saveRelayUse(userDir: string, e: RelayEndpoint): Promise<void> {
  await atomicWriteFile(join(userDir, RELAY_USE_FILE), utf8(`${JSON.stringify(endpointJson(e))}\n`));
}

/** The mailbox state, or a fresh one with `seed` when the file does not exist. */
export async function loadMailbox(userDir: string, seed: () => Uint8Array): Promise<MailboxState> {
  const path = join(userDir, RELAY_MAILBOX_FILE);
  const v = await readJson(path);
  if (v === undefined) return { mailboxSeed: seed(), queues: new Map(), contacts: new Map() };
  const o = obj(v, path, 'the file');
  if (o['version'] !== 1) throw bad(path, 'it is not version 1');
  const queues = new Map<string, OwnQueue>();
  for (const [peer, q0] of Object.entries(obj(o['queues'], path, '"queues"'))) {
    const q = obj(q0, path, `the queue for ${peer}`);
    const inb = obj(q['inbound'] ?? {}, path, '"inbound"');
    const recent = Array.isArray(inb['recent']) ? inb['recent'].filter((x): x is string => typeof x === 'string' && /^[0-9a-f]{32}$/.test(x)).slice(-RELAY_RECENT_IDS) : [];
    queues.set(peer, { ...endpoint(q, path), recvId: hex(q, 'recvId', 16, path), recvSeed: hex(q, 'recvSeed', 32, path), sendId: hex(q, 'sendId', 16, path), sendSeed: hex(q, 'sendSeed', 32, path), inbound: inb['last'] === undefined ? FRESH_INBOUND : { last: int(inb, 'last', path), recent } });
  }
  const contacts = new Map<string, ContactMailbox>();
  for (const [peer, c0] of Object.entries(obj(o['contacts'], path, '"contacts"'))) {
    const c = obj(c0, path, `the mailbox of ${peer}`);
    const pending: Record<string, number> = {};
    for (const [id, n] of Object.entries(obj(c['pending'] ?? {}, path, '"pending"'))) if (/^[0-9a-f]{32}$/.test(id) && typeof n === 'number' && Number.isSafeInteger(n) && n >= 1) pending[id] = n;
    contacts.set(peer, { ...endpoint(c, path), sendId: hex(c, 'sendId', 16, path), sendSeed: hex(c, 'sendSeed', 32, path), mailboxKey: hex(c, 'mailboxKey', 32, path), nextOut: int(c, 'nextOut', path, 1), pending });
  }
  return { mailboxSeed: hex(o, 'mailboxSeed', 32, path), queues, contacts };
}

export function mailboxJson(s: MailboxState): string {
  const queues: J = {};
  for (const [peer, q] of s.queues) queues[peer] = { ...endpointJson(q), recvId: toHex(q.recvId), recvSeed: toHex(q.recvSeed), sendId: toHex(q.sendId), sendSeed: toHex(q.sendSeed), inbound: { last: q.inbound.last, recent: q.inbound.recent } };
  const contacts: J = {};
  for (const [peer, c] of s.contacts) contacts[peer] = { ...endpointJson(c), sendId: toHex(c.sendId), sendSeed: toHex(c.sendSeed), mailboxKey: toHex(c.mailboxKey), nextOut: c.nextOut, pending: c.pending };
  return `${JSON.stringify({ version: 1, mailboxSeed: toHex(s.mailboxSeed), queues, contacts })}\n`;
}

/** Writes the state; calls are written in order, one at a time. */
export class MailboxFile {
  readonly #path: string;
  #chain: Promise<void> = Promise.resolve();

  constructor(userDir: string) {
    this.#path = join(userDir, RELAY_MAILBOX_FILE);
  }

  save(s: MailboxState): Promise<void> {
    const text = mailboxJson(s);
    const next = this.#chain.then(() => atomicWriteFile(this.#path, utf8(text)));
    this.#chain = next.catch(() => undefined);
    return next;
  }
}
