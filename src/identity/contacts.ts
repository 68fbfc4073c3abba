/**
 * Contacts (docs/STORAGE.md, docs/PROTOCOL.md §10), per local user: whom we reconnect to by
 * keys, and whom our listener lets reconnect (the allow list, like SSH's authorized_keys).
 * Pure: the snapshot type, its JSON encoding with strict validation, and the changes.
 * `contacts-file.ts` stores it (contacts.json, 0600: it holds secrets).
 *
 * Each contact has two chains (docs/PROTOCOL.md §10.5): `out` for reconnects we initiate,
 * `in` for reconnects they initiate to our listener. The shapes match the reconnect
 * handshake's OutboundChain / InboundChain exactly (identity does not import handshake).
 */
import { fromHex, toHex } from '../crypto/bytes.js';
import { usernameProblem } from './username.js';

export interface Secret {
  readonly epoch: number;
  readonly secret: Uint8Array;
}

export interface OutChain {
  readonly current: Secret;
  readonly previous: Secret | null;
  readonly pqEpoch: number;
  readonly pqAtMs: number;
}

export interface InChain {
  readonly current: Secret;
  readonly previous: Secret | null;
  readonly seen: readonly Uint8Array[];
  readonly pqEpoch: number;
}

export interface Contact {
  readonly name: string;
  /** The contact's Ed25519 identity key (the one pinned in known_peers.json). */
  readonly identityKey: Uint8Array;
  /** Its X25519 form (the Noise static key of its reconnects), converted once. */
  readonly staticKey: Uint8Array;
  /** When we became contacts (ms since the epoch). */
  readonly since: number;
  readonly via: 'password' | 'invitation';
  readonly out: OutChain | null;
  readonly in: InChain | null;
}

export interface Contacts {
  readonly contacts: readonly Contact[];
}

export const EMPTY_CONTACTS: Contacts = { contacts: [] };

export function findContact(c: Contacts, name: string): Contact | undefined {
  return c.contacts.find((x) => x.name === name);
}

export function withContact(c: Contacts, contact: Contact): Contacts {
  return { contacts: [...c.contacts.filter((x) => x.name !== contact.name), contact].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
}

export function withoutContact(c: Contacts, name: string): Contacts {
  return { contacts: c.contacts.filter((x) => x.name !== name) };
}

// ---- JSON ----

type Json = Record<string, unknown>;

function obj(v: unknown, what: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${what} must be an object`);
  return v as Json;
}
function int(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new Error(`${what} must be a non-negative integer`);
  return v;
}
function key32(v: unknown, what: string): Uint8Array {
  if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) throw new Error(`${what} must be 32 bytes of hex`);
  return fromHex(v);
}
function secret(v: unknown, what: string): Secret {
  const o = obj(v, what);
  return { epoch: int(o.epoch, `${what}.epoch`), secret: key32(o.secret, `${what}.secret`) };
}
function maybeSecret(v: unknown, what: string): Secret | null {
  return v === null ? null : secret(v, what);
}

function decodeOut(v: unknown, what: string): OutChain | null {
  if (v === null) return null;
  const o = obj(v, what);
  return { current: secret(o.current, `${what}.current`), previous: maybeSecret(o.previous, `${what}.previous`), pqEpoch: int(o.pq_epoch, `${what}.pq_epoch`), pqAtMs: int(o.pq_at_ms, `${what}.pq_at_ms`) };
}

function decodeIn(v: unknown, what: string): InChain | null {
  if (v === null) return null;
  const o = obj(v, what);
  if (!Array.isArray(o.seen) || o.seen.length > 64) throw new Error(`${what}.seen must be a short list`);
  return {
    current: secret(o.current, `${what}.current`), previous: maybeSecret(o.previous, `${what}.previous`),
    seen: o.seen.map((s, i) => key32(s, `${what}.seen[${i}]`)), pqEpoch: int(o.pq_epoch, `${what}.pq_epoch`),
  };
}

/** Validates a parsed contacts.json; throws a plain Error naming the bad field. */
export function decodeContacts(v: unknown): Contacts {
  const root = obj(v, 'the file');
  if (root.version !== 1) throw new Error('version must be 1');
  if (!Array.isArray(root.contacts)) throw new Error('contacts must be a list');
  const seen = new Set<string>();
  const contacts = root.contacts.map((c, i): Contact => {
    const o = obj(c, `contacts[${i}]`);
    const name = o.name;
    if (typeof name !== 'string' || usernameProblem(name) !== undefined) throw new Error(`contacts[${i}].name is not a valid username`);
    if (seen.has(name)) throw new Error(`contact "${name}" appears twice`);
    seen.add(name);
    if (o.via !== 'password' && o.via !== 'invitation') throw new Error(`contacts[${i}].via must be "password" or "invitation"`);
    return {
      name, identityKey: key32(o.identity_key, `${name}.identity_key`), staticKey: key32(o.static_key, `${name}.static_key`),
      since: int(o.since, `${name}.since`), via: o.via, out: decodeOut(o.out, `${name}.out`), in: decodeIn(o.in, `${name}.in`),
    };
  });
  return { contacts };
}

const encSecret = (s: Secret | null): Json | null => (s === null ? null : { epoch: s.epoch, secret: toHex(s.secret) });

export function encodeContacts(c: Contacts): unknown {
  return {
    version: 1,
    contacts: c.contacts.map((x) => ({
      name: x.name,
      identity_key: toHex(x.identityKey),
      static_key: toHex(x.staticKey),
      since: x.since,
      via: x.via,
      out: x.out === null ? null : { current: encSecret(x.out.current), previous: encSecret(x.out.previous), pq_epoch: x.out.pqEpoch, pq_at_ms: x.out.pqAtMs },
      in: x.in === null ? null : { current: encSecret(x.in.current), previous: encSecret(x.in.previous), seen: x.in.seen.map(toHex), pq_epoch: x.in.pqEpoch },
    })),
  };
}
