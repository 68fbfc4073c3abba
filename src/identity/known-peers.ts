/**
 * Known peers, trust on first use (like SSH's known_hosts), per local user. This file is
 * pure: a snapshot type, its JSON encoding, and the decisions. `known-peers-file.ts` stores it.
 *
 * States of a name: absent ('new') → pinned → (optionally) verified. A different key for a
 * pinned name is 'changed', a hard stop: the caller raises PEER_KEY_CHANGED and nothing is
 * stored until the user runs `trust NAME` (`trustNewKey`), which keeps the old key in
 * `previousKeys` and clears `verified`.
 *
 * Proven and claimed names (issue 10, finding 6): a name learnt by an *outbound* login is
 * proven (we logged into that account, and the holder of its record signed as it); a name
 * learnt from an *inbound* connection is only claimed (anyone with our password can claim any
 * name). A claimed-only pin never blocks an outbound login: the proven key replaces it (the
 * claimed key is kept in `previousKeys`). A proven (or verified) pin is a hard stop both ways.
 * Records written before this rule have no `claimed` field and count as proven.
 */
import { ctEqual, fromB64, toB64 } from '../crypto/bytes.js';
import { keyFingerprint, type Fingerprint } from './fingerprint.js';
import { usernameProblem } from './username.js';

export interface PreviousKey {
  readonly key: Uint8Array;
  /** When this key was first pinned, ms since the epoch. */
  readonly firstSeen: number;
  /** When the user trusted its replacement. */
  readonly replaced: number;
}

export interface PeerRecord {
  readonly name: string;
  /** Raw 32-byte Ed25519 public key. */
  readonly key: Uint8Array;
  /** When this key was first pinned (ms since the epoch). */
  readonly firstSeen: number;
  /** Last successful handshake with this key. */
  readonly lastSeen: number;
  /** The user compared safety numbers for this key. */
  readonly verified: boolean;
  /** Keys this name had before, oldest first. */
  readonly previousKeys: readonly PreviousKey[];
  /**
   * The last different key offered for this name and refused (not trusted). `trust NAME`
   * accepts it; `verify NAME` can show its safety number first.
   */
  readonly pendingKey?: { readonly key: Uint8Array; readonly seen: number };
  /** Pinned from an inbound connection only (the name was claimed, never proven by an outbound login). */
  readonly claimed?: boolean;
}

/** Who opened the connection on which a peer showed its name. */
export type Direction = 'inbound' | 'outbound';

/** An immutable snapshot of one user's known peers. */
export interface KnownPeers {
  readonly peers: ReadonlyMap<string, PeerRecord>;
}

export const EMPTY_KNOWN_PEERS: KnownPeers = { peers: new Map() };

export type PeerCheck =
  | 'new'
  | 'pinned'
  | 'verified'
  | { readonly changed: { readonly oldFingerprint: Fingerprint; readonly newFingerprint: Fingerprint } };

/** What `key` means for `name`, given what we know and who connected. Pure. */
export function checkPeer(known: KnownPeers, name: string, key: Uint8Array, direction: Direction = 'inbound'): PeerCheck {
  const rec = known.peers.get(name);
  if (rec === undefined) return 'new';
  if (ctEqual(rec.key, key)) return rec.verified ? 'verified' : 'pinned';
  if (direction === 'outbound' && rec.claimed === true && !rec.verified) return 'new';
  return { changed: { oldFingerprint: keyFingerprint(rec.key), newFingerprint: keyFingerprint(key) } };
}

export function isChanged(c: PeerCheck): c is Exclude<PeerCheck, string> {
  return typeof c === 'object';
}

/** Peers sorted by name. */
export function listPeers(known: KnownPeers): PeerRecord[] {
  return [...known.peers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Returns a new snapshot with `rec` in place of `rec.name`. */
export function withPeer(known: KnownPeers, rec: PeerRecord): KnownPeers {
  const m = new Map(known.peers);
  m.set(rec.name, rec);
  return { peers: m };
}

// ---- JSON encoding ----

const iso = (ms: number): string => new Date(ms).toISOString();

export function encodeKnownPeers(known: KnownPeers): unknown {
  const peers: Record<string, unknown> = {};
  for (const r of listPeers(known)) {
    Object.defineProperty(peers, r.name, {
      enumerable: true,
      writable: true,
      configurable: true,
      value: {
        key: toB64(r.key),
        fingerprint: keyFingerprint(r.key),
        firstSeen: iso(r.firstSeen),
        lastSeen: iso(r.lastSeen),
        verified: r.verified,
        previousKeys: r.previousKeys.map((p) => ({ key: toB64(p.key), fingerprint: keyFingerprint(p.key), firstSeen: iso(p.firstSeen), replaced: iso(p.replaced) })),
        ...(r.pendingKey === undefined ? {} : { pendingKey: { key: toB64(r.pendingKey.key), fingerprint: keyFingerprint(r.pendingKey.key), seen: iso(r.pendingKey.seen) } }),
        ...(r.claimed === true ? { claimed: true } : {}),
      },
    });
  }
  return { version: 1, peers };
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

function key32(v: unknown, what: string): Uint8Array {
  if (typeof v !== 'string') throw new Error(`${what} is not a string`);
  let b: Uint8Array;
  try {
    b = fromB64(v);
  } catch {
    throw new Error(`${what} is not base64`);
  }
  if (b.length !== 32) throw new Error(`${what} is not 32 bytes`);
  return b;
}

function time(v: unknown, what: string): number {
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(t)) throw new Error(`${what} is not a date`);
  return t;
}

/** Decodes known_peers.json; throws a plain Error naming the bad entry and field. */
export function decodeKnownPeers(value: unknown): KnownPeers {
  const root = obj(value, 'the file');
  if (root['version'] !== 1) throw new Error('it is not a version 1 known-peers file');
  const peers = obj(root['peers'], 'field "peers"');
  const m = new Map<string, PeerRecord>();
  for (const name of Object.keys(peers)) {
    const where = `peer "${name}"`;
    if (usernameProblem(name) !== undefined) throw new Error(`${where} is not a valid username`);
    const p = obj(peers[name], where);
    if (typeof p['verified'] !== 'boolean') throw new Error(`${where}: field "verified" is not a boolean`);
    const prev = p['previousKeys'];
    if (!Array.isArray(prev)) throw new Error(`${where}: field "previousKeys" is not an array`);
    const pending = p['pendingKey'];
    const pendingKey = pending === undefined ? undefined : (() => {
      const q = obj(pending, `${where}: field "pendingKey"`);
      return { key: key32(q['key'], `${where}: pending key: field "key"`), seen: time(q['seen'], `${where}: pending key: field "seen"`) };
    })();
    if (p['claimed'] !== undefined && typeof p['claimed'] !== 'boolean') throw new Error(`${where}: field "claimed" is not a boolean`);
    m.set(name, {
      ...(pendingKey === undefined ? {} : { pendingKey }),
      ...(p['claimed'] === true ? { claimed: true } : {}),
      name,
      key: key32(p['key'], `${where}: field "key"`),
      firstSeen: time(p['firstSeen'], `${where}: field "firstSeen"`),
      lastSeen: time(p['lastSeen'], `${where}: field "lastSeen"`),
      verified: p['verified'],
      previousKeys: prev.map((x: unknown, i) => {
        const q = obj(x, `${where}: previous key ${i}`);
        return {
          key: key32(q['key'], `${where}: previous key ${i}: field "key"`),
          firstSeen: time(q['firstSeen'], `${where}: previous key ${i}: field "firstSeen"`),
          replaced: time(q['replaced'], `${where}: previous key ${i}: field "replaced"`),
        };
      }),
    });
  }
  return { peers: m };
}
