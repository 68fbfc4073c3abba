/**
 * Connecting to a contact by keys (docs/PROTOCOL.md §10): no password. Retries once with the
 * previous per-contact secret when the listener is one epoch behind (stale_secret) or the
 * reply does not authenticate under the current one (§10.5). The ML-KEM library is loaded
 * only when the post-quantum step is due (§10.6).
 */
import { connectReconnect } from '../transport/client.js';
import { systemRandom } from '../crypto/random.js';
import { staticKeyFromSeed } from '../crypto/x25519-from-ed25519.js';
import { isSecureChatError, remoteError, type SecureChatError } from '../errors.js';
import { PeerAlertError } from '../handshake/alert.js';
import { wipe } from '../crypto/bytes.js';
import { retryBusy } from './busy-retry.js';
import { pqDue, type EpochSecret, type KemFunctions } from '../handshake/reconnect/index.js';
import { Conversation } from './conversation.js';
import { DEFAULT_SUITES } from './suites.js';
import type { ContactBook, OutboundContact } from './contacts.js';
import type { HandshakeStep, LocalIdentity, SessionLimits } from './types.js';

export interface ReconnectOptions {
  readonly host: string;
  readonly port: number;
  /** Local address to connect from (tests use 127.0.0.x as "another source"). */
  readonly localAddress?: string;
  readonly contact: OutboundContact;
  readonly contacts: ContactBook;
  readonly self: LocalIdentity;
  readonly onStep?: (s: HandshakeStep) => void;
  readonly handshakeTimeoutMs?: number;
  readonly session?: SessionLimits;
  readonly now?: () => number;
  /** How many times an ALERT busy is retried (default CONNECT_BUSY_RETRIES, as for a password login). */
  readonly busyRetries?: number;
}

async function loadKem(): Promise<KemFunctions> {
  const m = await import('../crypto/mlkem.js');
  return { keygen: m.mlkemKeygen, encapsulate: m.mlkemEncapsulate, decapsulate: m.mlkemDecapsulate };
}

/** Which refusals mean "try the previous secret" (§10.5). */
function retryable(e: unknown): boolean {
  if (e instanceof PeerAlertError) return e.alert === 'stale_secret';
  return isSecureChatError(e) && e.code === 'AUTH_FAILED';
}

function typedRefusal(e: unknown): unknown {
  if (e instanceof PeerAlertError && e.alert === 'not_a_contact') return remoteError('NOT_A_CONTACT', 'the listener no longer accepts reconnects from us', e);
  if (e instanceof PeerAlertError && e.alert === 'stale_secret') return remoteError('RECONNECT_STALE', 'the listener is behind our per-contact secret', e);
  return e;
}

/**
 * Whether a failed reconnect means "the listener could not, or would not, authenticate us by
 * keys" (it does not hold the key we pinned for it, e.g. after a reinstall, or our
 * per-contact secrets diverged), as opposed to an explicit revocation (NOT_A_CONTACT) or a
 * network error. The caller may then fall back to a password login, which runs the full
 * identity check (a changed key is still a hard stop, PEER_KEY_CHANGED) and gives an attacker
 * who forced the fallback nothing to guess offline (OPAQUE).
 */
export function isKeyRefusal(e: unknown): boolean {
  if (e instanceof PeerAlertError) return e.alert === 'handshake_failed';
  return isSecureChatError(e) && e.code === 'AUTH_FAILED';
}

/**
 * Reconnects by this process to one contact, one at a time, keyed by both static keys: the
 * next one reads the contact's secret only once the previous one completed and queued the
 * write of its successor (ContactBook.outbound reads after queued writes). Without it, two
 * reconnects in quick succession (the agent opens a new link while the previous one closes)
 * started from a secret already replaced and could end in AUTH_FAILED, then a needless
 * password fallback (test/chat/reconnect-race.test.ts).
 */
const inFlight = new Map<string, Promise<void>>();

async function oneAtATime<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = inFlight.get(key) ?? Promise.resolve();
  const run = prev.then(fn);
  const tail = run.then(() => undefined, () => undefined);
  inFlight.set(key, tail);
  void tail.then(() => {
    if (inFlight.get(key) === tail) inFlight.delete(key);
  });
  return run;
}

/**
 * Reconnects; resolves with the conversation and `saved`, the write of the advanced chain
 * (in flight while the first message goes out; await it before exiting).
 */
export async function reconnect(opts: ReconnectOptions): Promise<{ conv: Conversation; saved: Promise<void> }> {
  const staticKey = staticKeyFromSeed(opts.self.seed);
  const key = `${Buffer.from(staticKey.pub).toString('hex')}:${Buffer.from(opts.contact.staticKey).toString('hex')}`;
  return oneAtATime(key, async () => reconnectNow(opts, (await opts.contacts.outbound(opts.contact.name)) ?? opts.contact, staticKey));
}

async function reconnectNow(opts: ReconnectOptions, c: OutboundContact, staticKey: { readonly priv: Uint8Array; readonly pub: Uint8Array }): Promise<{ conv: Conversation; saved: Promise<void> }> {
  const now = opts.now ?? Date.now;
  const attempt = async (secret: EpochSecret): Promise<{ conv: Conversation; saved: Promise<void> }> => {
    const kem = pqDue(c.out, secret.epoch, now()) ? await loadKem() : null;
    opts.onStep?.({ step: 'connecting', text: `connecting to ${opts.host}:${opts.port} (contact ${c.name}: reconnect by keys${kem === null ? '' : ', with an ML-KEM-768 step'})` });
    // A "busy" answer is retried as for a password login (busy-retry.ts, issue 10 F1); each
    // try gets its own copy of the secret, wiped when the try ended.
    const once = async (): Promise<Awaited<ReturnType<typeof connectReconnect>>> => {
      const copy = { ...secret, secret: secret.secret.slice() };
      try {
        return await connectReconnect({
          host: opts.host,
          port: opts.port,
          ...(opts.localAddress === undefined ? {} : { localAddress: opts.localAddress }),
          random: systemRandom,
          ...opts.session,
          ...(opts.handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs: opts.handshakeTimeoutMs }),
          handshake: { peerName: c.name, peerIdentityKey: c.identityKey, peerStatic: c.staticKey, staticKey, secret: copy, suites: DEFAULT_SUITES, kem },
        });
      } finally {
        wipe(copy.secret);
      }
    };
    const { conn, result } = await retryBusy(once, opts.busyRetries);
    opts.onStep?.({ step: 'established', text: 'keys verified; conversation is end-to-end encrypted' });
    const saved = opts.contacts.commitOutbound(c.name, secret, result.accepted, now());
    return { conv: new Conversation(conn, 'pinned'), saved };
  };
  try {
    return await attempt(c.out.current);
  } catch (e) {
    if (c.out.previous === null || !retryable(e)) throw typedRefusal(e);
    try {
      return await attempt(c.out.previous);
    } catch (e2) {
      throw typedRefusal(e2) as SecureChatError;
    }
  }
}
