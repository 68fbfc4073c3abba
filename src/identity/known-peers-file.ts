/**
 * known_peers.json in a user directory (0600; public keys only, but its integrity decides
 * whom we trust). Every update reads the file, applies one change and writes it back
 * atomically; updates to one file from this process are serialised, so a listener serving
 * many peers at once loses none. Two processes updating the same user's file at the same
 * instant can still lose the earlier update (documented in docs/STORAGE.md).
 */
import { localError, type SecureChatError } from '../errors.js';
import { filesIn } from './home.js';
import { atomicWriteFile, jsonBytes, readJsonFileIfExists } from './storage.js';
import { keyFingerprint, formatFingerprint } from './fingerprint.js';
import { checkPeer, decodeKnownPeers, encodeKnownPeers, withPeer, EMPTY_KNOWN_PEERS, type Direction, type KnownPeers, type PeerRecord } from './known-peers.js';

const queues = new Map<string, Promise<unknown>>();

/** Runs `fn` after every earlier update of `path` from this process has finished. */
function serialised<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const prev = queues.get(path) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  const tail = next.catch(() => undefined);
  queues.set(path, tail);
  void tail.then(() => {
    if (queues.get(path) === tail) queues.delete(path);
  });
  return next;
}

/** Loads the known peers of the user in `userDir` (empty if the file does not exist yet). */
export async function loadKnownPeers(userDir: string): Promise<KnownPeers> {
  return (await readJsonFileIfExists(filesIn(userDir).knownPeers, decodeKnownPeers)) ?? EMPTY_KNOWN_PEERS;
}

async function update(userDir: string, change: (k: KnownPeers) => KnownPeers): Promise<KnownPeers> {
  const path = filesIn(userDir).knownPeers;
  return serialised(path, async () => {
    const before = await loadKnownPeers(userDir); // throws on a damaged file: never overwritten
    const after = change(before);
    await atomicWriteFile(path, jsonBytes(encodeKnownPeers(after)));
    return after;
  });
}

function changedError(name: string, oldKey: Uint8Array, newKey: Uint8Array): SecureChatError {
  return localError(
    'PEER_KEY_CHANGED',
    `the identity key of "${name}" changed (was ${formatFingerprint(keyFingerprint(oldKey))}, now ${formatFingerprint(keyFingerprint(newKey))}); ` +
      `check it with \`securechat verify ${name}\`, then accept it with \`securechat trust ${name}\``,
  );
}

/**
 * Records a successful contact with `name` using `key` on a connection in `direction`: pins a
 * new name (claimed-only when inbound), refreshes `lastSeen` of a pinned one, and lets an
 * outbound proof replace a claimed-only pin (see known-peers.ts). A different key for a pinned name throws `PEER_KEY_CHANGED`;
 * the refused key is kept only as `pendingKey` (so `trust NAME` can accept it later), the
 * pinned key is untouched.
 */
export async function pinPeer(userDir: string, name: string, key: Uint8Array, now: number = Date.now(), direction: Direction = 'outbound'): Promise<KnownPeers> {
  let refused: PeerRecord | undefined;
  const after = await update(userDir, (known) => {
    const rec = known.peers.get(name);
    const claimed = direction === 'inbound' ? { claimed: true } : {};
    if (rec === undefined) {
      return withPeer(known, { name, key: Uint8Array.from(key), firstSeen: now, lastSeen: now, verified: false, previousKeys: [], ...claimed });
    }
    const c = checkPeer(known, name, key, direction);
    if (typeof c === 'object') {
      refused = rec;
      return withPeer(known, { ...rec, pendingKey: { key: Uint8Array.from(key), seen: now } });
    }
    if (c === 'new') {
      // An outbound login proved a key for a name that was only claimed inbound: the proof wins.
      return withPeer(known, { name, key: Uint8Array.from(key), firstSeen: now, lastSeen: now, verified: false, previousKeys: [...rec.previousKeys, { key: rec.key, firstSeen: rec.firstSeen, replaced: now }] });
    }
    // Seen again; an outbound login with the same key proves a name that was only claimed.
    const seen: PeerRecord = { name: rec.name, key: rec.key, firstSeen: rec.firstSeen, lastSeen: Math.max(rec.lastSeen, now), verified: rec.verified, previousKeys: rec.previousKeys };
    return withPeer(known, { ...seen, ...(rec.pendingKey === undefined ? {} : { pendingKey: rec.pendingKey }), ...(direction === 'inbound' && rec.claimed === true ? { claimed: true } : {}) });
  });
  if (refused !== undefined) throw changedError(name, refused.key, key);
  return after;
}

/**
 * The `PEER_KEY_CHANGED` error for `name` (for callers that checked with `checkPeer` and did
 * not call `pinPeer`).
 */
export function peerKeyChangedError(name: string, oldKey: Uint8Array, newKey: Uint8Array): SecureChatError {
  return changedError(name, oldKey, newKey);
}

/**
 * Marks the pinned key of `name` as verified (safety numbers compared). With `key`, refuses
 * (`PEER_KEY_CHANGED`) if the pinned key is not that key. `UNKNOWN_USER` if `name` is not known.
 */
export async function markVerified(userDir: string, name: string, key?: Uint8Array): Promise<KnownPeers> {
  return update(userDir, (known) => {
    const rec = known.peers.get(name);
    if (rec === undefined) throw localError('UNKNOWN_USER', `"${name}" is not a known peer yet; connect to them once first`);
    if (key !== undefined && typeof checkPeer(known, name, key) === 'object') throw changedError(name, rec.key, key);
    return withPeer(known, { ...rec, verified: true });
  });
}

/**
 * Explicitly accepts `key` as the new key of `name` (the `trust NAME` command); without
 * `key`, accepts the pending key that `pinPeer` refused. The old key moves to
 * `previousKeys`, `verified` is cleared. For an unknown name (with `key`) this pins it.
 * Trusting the key already pinned changes nothing. `UNKNOWN_USER` if there is nothing to trust.
 */
export async function trustNewKey(userDir: string, name: string, key?: Uint8Array, now: number = Date.now()): Promise<KnownPeers> {
  return update(userDir, (known) => {
    const rec = known.peers.get(name);
    const newKey = key ?? rec?.pendingKey?.key;
    if (newKey === undefined) {
      throw localError('UNKNOWN_USER', rec === undefined ? `"${name}" is not a known peer` : `there is no new key of "${name}" to trust; its pinned key has not changed`);
    }
    if (rec === undefined) {
      return withPeer(known, { name, key: Uint8Array.from(newKey), firstSeen: now, lastSeen: now, verified: false, previousKeys: [] });
    }
    if (typeof checkPeer(known, name, newKey) !== 'object') {
      const { pendingKey: _dropped, ...rest } = rec;
      return withPeer(known, rest);
    }
    const previousKeys = [...rec.previousKeys, { key: rec.key, firstSeen: rec.firstSeen, replaced: now }];
    return withPeer(known, { name, key: Uint8Array.from(newKey), firstSeen: now, lastSeen: now, verified: false, previousKeys });
  });
}

/** Forgets `name` entirely (`UNKNOWN_USER` if not known). */
export async function forgetPeer(userDir: string, name: string): Promise<KnownPeers> {
  return update(userDir, (known) => {
    if (!known.peers.has(name)) throw localError('UNKNOWN_USER', `"${name}" is not a known peer`);
    const m = new Map(known.peers);
    m.delete(name);
    return { peers: m };
  });
}

export type { PeerRecord };
