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
import { DEFAULT_SUITES } from './connect.js';
import type { ListenerAccount, ListenerStats, LocalIdentity, PeerPolicy, SessionLimits } from './types.js';
import { remoteError, type SecureChatError } from '../errors.js';

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
  const server = await SecureServer.listen({
    ...(opts.host === undefined ? {} : { host: opts.host }),
    port: opts.port,
    random: systemRandom,
    ...opts.session,
    ...(opts.limiter === undefined ? {} : { limiter: opts.limiter }),
    ...(opts.handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs: opts.handshakeTimeoutMs }),
    ...(opts.firstFrameTimeoutMs === undefined ? {} : { firstFrameTimeoutMs: opts.firstFrameTimeoutMs }),
    ...admissionOf(opts),
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
      checkPeer: (peer) => {
        // Nobody but us is us: a peer claiming the listener's own name is refused (finding 6).
        if (peer.name === opts.self.name) return remoteError('IDENTITY_MISMATCH', 'the peer claims to be the listener itself');
        const pc = new PolicyCheck(opts.policy, 'inbound');
        const r = pc.check(peer);
        if (r === null) checks.set(keyOf(peer.name, peer.identityKey), pc);
        return r;
      },
    },
    onEvent: (e) => opts.onEvent?.(e),
    onConnection: (conn) => {
      const k = keyOf(conn.peer.name, conn.peer.identityKey);
      const state = checks.get(k)?.state ?? 'pinned';
      checks.delete(k);
      opts.policy.commit(conn.peer, state, 'inbound').then(
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
    close: () => server.close(),
  };
}

function admissionOf(opts: ListenOptions): { admission?: AdmissionOptions } {
  if (opts.admission !== undefined) return { admission: opts.admission };
  const n = opts.maxPendingHandshakes;
  return n === undefined ? {} : { admission: { full: n, start: n, perSource: n } };
}

function keyOf(name: string, key: Uint8Array): string {
  return `${name}:${Buffer.from(key).toString('hex')}`;
}
