/**
 * The listener: serves many peers at once on one port, each conversation independent.
 * Wraps the transport's `SecureServer` with pinning and conversations.
 */
import { SecureServer, type ServerEvent, type ServerStats } from '../transport/server.js';
import type { FailureLimiter, HandshakeKind } from '../transport/limiter.js';
import type { AdmissionOptions } from '../transport/admission.js';
import type { Timers } from '../transport/timers.js';
import type { Frame } from '../wire/frame.js';
import { systemRandom } from '../crypto/random.js';
import { opaqueReady } from '../crypto/opaque.js';
import type { SuiteId } from '../crypto/aead.js';
import { Conversation } from './conversation.js';
import { InboxBudget } from './inbox-budget.js';
import { PolicyCheck } from './policy.js';
import { DEFAULT_SUITES } from './suites.js';
import { staticKeyFromSeed } from '../crypto/x25519-from-ed25519.js';
import { memoStaticDh } from '../handshake/reconnect/static-dh.js';
import { mlkemDecapsulate, mlkemEncapsulate, mlkemKeygen } from '../crypto/mlkem.js';
import { wipe } from '../crypto/bytes.js';
import type { PeerIdentity } from '../handshake/result.js';
import type { ContactBook, InvitationBook } from './contacts.js';
import type { ListenerAccount, ListenerStats, LocalIdentity, PeerPolicy, SessionLimits } from './types.js';
import { localError, remoteError, type SecureChatError } from '../errors.js';

export type ListenerEvent = ServerEvent | { readonly type: 'policy-failed'; readonly remoteAddress: string; readonly error: SecureChatError };

export interface ListenOptions {
  readonly host?: string;
  readonly port: number;
  readonly account: ListenerAccount;
  readonly self: LocalIdentity;
  readonly policy: PeerPolicy;
  readonly suites?: readonly SuiteId[];
  readonly onConversation: (c: Conversation) => void;
  readonly onEvent?: (e: ListenerEvent) => void;
  /**
   * Contacts: the allow list for reconnects by keys (docs/PROTOCOL.md §10), and where a
   * password login records its new contact. Absent: reconnects are refused.
   */
  readonly contacts?: ContactBook;
  /** The pending invitation (docs/PROTOCOL.md §11), served once before it expires. */
  readonly invitations?: InvitationBook;
  /** The clock for invitation expiry; default Date.now. */
  readonly now?: () => number;
  /** Limits, for tests and benchmarks. */
  readonly limiter?: FailureLimiter;
  readonly handshakeTimeoutMs?: number;
  readonly firstFrameTimeoutMs?: number;
  /** Caps and penalties at accept (see transport/admission.ts). */
  readonly admission?: AdmissionOptions;
  /**
   * One cap on unfinished handshakes for everyone, with no per-source cap and no early drop
   * (benchmarks opening many handshakes from one address). Ignored when `admission` is given.
   */
  readonly maxPendingHandshakes?: number;
  /** Established conversations per source (benchmarks holding thousands from one address). */
  readonly maxSessionsPerSource?: number;
  /** Which handshakes are password logins (charged to the guessing budget); see transport/server.ts. */
  readonly handshakeKind?: (first: Frame) => HandshakeKind;
  readonly timers?: Timers;
  /** Bytes of received, unhandled messages across all conversations before every socket pauses. */
  readonly inboxBudget?: number;
  readonly idleTimeoutMs?: number;
  readonly session?: SessionLimits;
}

export interface Listener {
  readonly port: number;
  stats(): ListenerStats & ServerStats;
  close(): Promise<void>;
}

export async function listen(opts: ListenOptions): Promise<Listener> {
  // One PolicyCheck per handshake: the responder calls check() during ClientFinish, and the
  // result arrives in the same turn, so a per-connection instance is picked up by identity.
  const checks = new Map<string, PolicyCheck>();
  // Received, unhandled messages across every conversation of this listener (finding 4).
  const budget = new InboxBudget(opts.inboxBudget);
  await opaqueReady; // the OPAQUE library instantiates its WebAssembly once, asynchronously
  // Our Noise static key, imported once, and its `ss` results per contact (static-dh.ts).
  const staticKey = opts.contacts === undefined ? null : staticKeyFromSeed(opts.self.seed);
  const staticDh = staticKey === null ? null : memoStaticDh(staticKey.priv);
  const v1Check = (peer: PeerIdentity): SecureChatError | null => {
    // Nobody but us is us: a peer claiming the listener's own name is refused (finding 6).
    if (peer.name === opts.self.name) return remoteError('IDENTITY_MISMATCH', 'the peer claims to be the listener itself');
    const pc = new PolicyCheck(opts.policy, 'inbound');
    const r = pc.check(peer);
    if (r === null) checks.set(keyOf(peer.name, peer.identityKey), pc);
    return r;
  };
  const server = await SecureServer.listen({
    ...(opts.host === undefined ? {} : { host: opts.host }),
    port: opts.port,
    random: systemRandom,
    ...opts.session,
    ...(opts.limiter === undefined ? {} : { limiter: opts.limiter }),
    ...(opts.handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs: opts.handshakeTimeoutMs }),
    ...(opts.firstFrameTimeoutMs === undefined ? {} : { firstFrameTimeoutMs: opts.firstFrameTimeoutMs }),
    ...admissionOf(opts),
    ...(opts.maxSessionsPerSource === undefined ? {} : { maxSessionsPerSource: opts.maxSessionsPerSource }),
    ...(opts.handshakeKind === undefined ? {} : { handshakeKind: opts.handshakeKind }),
    ...(opts.timers === undefined ? {} : { timers: opts.timers }),
    ...(opts.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: opts.idleTimeoutMs }),
    handshake: {
      account: opts.account.name,
      serverSetup: opts.account.serverSetup,
      record: opts.account.record,
      ksf: opts.account.ksf,
      identity: { seed: opts.self.seed, publicKey: opts.self.publicKey, name: opts.self.name },
      suites: opts.suites ?? DEFAULT_SUITES,
      checkPeer: v1Check,
    },
    ...(staticKey === null || staticDh === null ? {} : {
      reconnect: {
        staticKey,
        staticDh,
        suites: opts.suites ?? DEFAULT_SUITES,
        kem: { keygen: mlkemKeygen, encapsulate: mlkemEncapsulate, decapsulate: mlkemDecapsulate },
        lookup: (s: Uint8Array) => book(opts).lookup(s),
      },
      onReconnectConfirmed: (r) => {
        book(opts).commitInbound(r.peer.name, r.accepted).catch((e: unknown) => {
          opts.onEvent?.({ type: 'policy-failed', remoteAddress: '', error: e as SecureChatError });
        });
      },
    }),
    ...(opts.invitations === undefined ? {} : {
      invitation: () => {
        const inv = opts.invitations?.pending() ?? null;
        if (inv === null || inv.expiresAt <= (opts.now ?? Date.now)()) return null;
        return {
          handshake: {
            account: opts.account.name, serverSetup: inv.serverSetup, record: inv.record, ksf: inv.ksf,
            identity: { seed: opts.self.seed, publicKey: opts.self.publicKey, name: opts.self.name },
            suites: opts.suites ?? DEFAULT_SUITES, checkPeer: v1Check,
          },
          consume: () => opts.invitations?.consume(),
        };
      },
    }),
    onEvent: (e) => opts.onEvent?.(e),
    onConnection: (conn, result, via) => {
      const k = keyOf(conn.peer.name, conn.peer.identityKey);
      const state = checks.get(k)?.state ?? 'pinned';
      checks.delete(k);
      const contact = result.contact;
      // The first password login (or an invitation) makes the two users contacts (§10.5).
      const made = contact !== undefined && opts.contacts !== undefined
        ? (): Promise<void> => book(opts).madeContact(conn.peer, 'responder', contact, via === 'invitation' ? 'invitation' : 'password').finally(() => wipe(contact))
        : (): Promise<void> => Promise.resolve();
      opts.policy.commit(conn.peer, state, 'inbound').then(made).then(
        () => opts.onConversation(new Conversation(conn, state, Date.now, { budget })),
        (e: unknown) => {
          const err = e as SecureChatError;
          opts.onEvent?.({ type: 'policy-failed', remoteAddress: conn.remoteAddress, error: err });
          conn.destroy(err);
        },
      );
    },
  });
  return {
    get port() {
      return server.port;
    },
    stats: () => server.stats(),
    close: async () => {
      await server.close();
      staticDh?.clear();
    },
  };
}

function admissionOf(opts: ListenOptions): { admission?: AdmissionOptions } {
  if (opts.admission !== undefined) return { admission: opts.admission };
  const n = opts.maxPendingHandshakes;
  return n === undefined ? {} : { admission: { full: n, start: n, perSource: n } };
}

function book(opts: ListenOptions): ContactBook {
  if (opts.contacts === undefined) throw localError('INTERNAL', 'no contact book');
  return opts.contacts;
}

function keyOf(name: string, key: Uint8Array): string {
  return `${name}:${Buffer.from(key).toString('hex')}`;
}
