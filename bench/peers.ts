/**
 * SecureChat endpoints for the bench: a listener process's two servers (the chat listener for
 * handshakes and round trips, a transport-level sink for bulk throughput) and the matching
 * clients. One account "alice" with a known password; every peer is accepted (no pinning cost).
 */
import { listen, type Listener } from '../src/chat/listener.js';
import { connect } from '../src/chat/connect.js';
import type { Conversation } from '../src/chat/conversation.js';
import type { PeerPolicy } from '../src/chat/types.js';
import { SecureServer } from '../src/transport/server.js';
import { connectSecure } from '../src/transport/client.js';
import type { SecureConnection } from '../src/transport/secure-connection.js';
import { FailureLimiter } from '../src/transport/limiter.js';
import { ALL_SUITE_IDS, SuiteId } from '../src/crypto/aead.js';
import { ed25519PublicFromSeed } from '../src/crypto/ecc.js';
import { createServerSetup, opaqueReady, registerLocally, type KsfParams } from '../src/crypto/opaque.js';
import { systemRandom } from '../src/crypto/random.js';
import { utf8 } from '../src/crypto/bytes.js';
import { ctEqual } from '../src/crypto/bytes.js';
import { staticKeyFromSeed } from '../src/crypto/x25519-from-ed25519.js';
import { connectReconnect } from '../src/transport/client.js';
import type { ContactBook } from '../src/chat/contacts.js';

export const ACCOUNT = 'alice';
export const PASSWORD = 'correct horse battery staple';
export const ALL_SUITES: readonly SuiteId[] = ALL_SUITE_IDS;

/** Accepts every peer: the bench measures the protocol, not a pin store. */
export const acceptAll: PeerPolicy = {
  check: () => ({ state: 'new' }),
  commit: async () => undefined,
};

function identity(name: string): { name: string; seed: Uint8Array; publicKey: Uint8Array } {
  const seed = systemRandom(32);
  return { name, seed, publicKey: ed25519PublicFromSeed(seed) };
}

const client = identity('bob');

// ---- reconnect by keys (docs/PROTOCOL.md §10): fixed keys shared by the bench's processes ----
const RC_LISTENER_SEED = new Uint8Array(32).fill(0x31);
const RC_CLIENT_SEED = new Uint8Array(32).fill(0x32);
const RC_SECRET = new Uint8Array(32).fill(0x33);
const rcListener = { name: ACCOUNT, seed: RC_LISTENER_SEED, publicKey: ed25519PublicFromSeed(RC_LISTENER_SEED) };
const rcClientStatic = staticKeyFromSeed(RC_CLIENT_SEED);
const rcListenerStatic = staticKeyFromSeed(RC_LISTENER_SEED);
const rcClientIdentity = ed25519PublicFromSeed(RC_CLIENT_SEED);

/**
 * The listener's contact book for the bench: one contact (carol) whose chain is never
 * advanced, so every reconnect uses epoch 0 (the ratchet's file write is not measured).
 */
const benchContacts: ContactBook = {
  outbound: async () => null,
  lookup: (s) => (ctEqual(s, rcClientStatic.pub) ? { name: 'carol', identityKey: rcClientIdentity, inbound: { current: { epoch: 0, secret: RC_SECRET }, previous: null, seen: [], pqEpoch: 0 } } : null),
  commitOutbound: async () => undefined,
  commitInbound: async () => undefined,
  madeContact: async () => undefined,
};

/** One reconnect by keys to the chat listener on `port` (transport level, then dropped). */
export async function scReconnect(port: number): Promise<SecureConnection> {
  const { conn } = await connectReconnect({
    host: '127.0.0.1', port, random: systemRandom,
    handshake: { peerName: ACCOUNT, peerIdentityKey: rcListener.publicKey, peerStatic: rcListenerStatic.pub, staticKey: rcClientStatic, secret: { epoch: 0, secret: RC_SECRET }, suites: [SuiteId.AES_256_GCM], kem: null },
  });
  return conn;
}

/** Bench stream header (first message on a bench connection): mode byte then a u64 byte count. */
export const MODE_ECHO = 0;
export const MODE_SINK = 1;
export function header(mode: number, total: number): Uint8Array {
  const h = new Uint8Array(9);
  h[0] = mode;
  new DataView(h.buffer).setBigUint64(1, BigInt(total));
  return h;
}
export function parseHeader(h: Uint8Array): { mode: number; total: number } {
  return { mode: h[0] ?? 0, total: Number(new DataView(h.buffer, h.byteOffset, 9).getBigUint64(1)) };
}

export interface ScServers {
  readonly chat: Listener;
  readonly sink: SecureServer;
  /** Conversations currently open on the chat listener. */
  readonly open: Set<Conversation>;
}

/**
 * Starts the chat listener and the transport sink for account "alice", whose record is
 * stretched with `ksf`. Limits are raised for the bench: a limiter that never refuses (no
 * failures are expected) and room for `maxPending` handshakes in progress.
 */
export async function startScServers(ksf: KsfParams, maxPending: number): Promise<ScServers> {
  await opaqueReady;
  const serverSetup = createServerSetup();
  const record = registerLocally(serverSetup, ACCOUNT, utf8(PASSWORD), ksf);
  const self = rcListener;
  const limiter = (): FailureLimiter => new FailureLimiter({ perAddress: 1_000_000, accountBurst: 1_000_000 });
  const open = new Set<Conversation>();
  const chat = await listen({
    port: 0,
    account: { name: ACCOUNT, serverSetup, record, ksf },
    self,
    policy: acceptAll,
    contacts: benchContacts,
    suites: ALL_SUITES,
    limiter: limiter(),
    maxPendingHandshakes: maxPending,
    maxSessionsPerSource: 1_000_000, // the bench holds 10,000 sessions from 127.0.0.1
    onConversation: (c) => {
      open.add(c);
      c.on('closed', () => open.delete(c));
    },
  });
  const sink = await SecureServer.listen({
    maxSessionsPerSource: 1_000_000,
    port: 0,
    random: systemRandom,
    limiter: limiter(),
    admission: { full: maxPending, start: maxPending, perSource: maxPending },
    handshake: { account: ACCOUNT, serverSetup, record, ksf, identity: self, suites: ALL_SUITES, checkPeer: () => null },
    onConnection: (conn) => sinkConnection(conn),
  });
  return { chat, sink, open };
}

/** Counts application bytes after the header; answers one byte when the announced total arrived. */
function sinkConnection(conn: SecureConnection): void {
  let total = -1;
  let got = 0;
  conn.start({
    onApp: (d) => {
      if (total < 0) {
        total = parseHeader(d).total;
        return;
      }
      got += d.length;
      if (got >= total && conn.open) {
        conn.sendApp(Uint8Array.of(1));
        got = -Infinity;
      }
    },
    onClose: () => undefined,
  });
}

/** A chat-level connection (full handshake, policy, conversation) to the listener on `port`. */
export async function scConnect(port: number, suite: SuiteId = SuiteId.AES_256_GCM): Promise<Conversation> {
  // connect() does not wait for the OPAQUE WebAssembly itself: in a fresh process the first
  // handshakes fail with INTERNAL ("reading 'startClientLogin'") unless it is awaited first.
  await opaqueReady;
  return connect({ host: '127.0.0.1', port, account: ACCOUNT, password: utf8(PASSWORD), self: client, policy: acceptAll, suites: [suite] });
}

/** A transport-level connection (handshake, record layer, no chat framing) to the sink on `port`. */
export async function scTransportConnect(port: number, suite: SuiteId): Promise<SecureConnection> {
  await opaqueReady;
  return connectSecure({
    host: '127.0.0.1',
    port,
    random: systemRandom,
    handshake: { account: ACCOUNT, password: utf8(PASSWORD), identity: client, suites: [suite], checkPeer: () => null },
  });
}
