/**
 * The chat layer's public types: what the CLI and the UI program against.
 * A `Conversation` is one authenticated, encrypted connection with one peer.
 */
import type { ContactBook } from './contacts.js';
import type { SuiteId } from '../crypto/aead.js';
import type { KsfParams } from '../crypto/opaque.js';
import type { SecureChatError } from '../errors.js';
import type { PeerIdentity } from '../handshake/result.js';

/** How a peer's identity key relates to what we had pinned (docs/PROTOCOL.md §4.7). */
export type PeerKeyState = 'new' | 'pinned' | 'verified';

/**
 * The caller's pinning policy. `check` runs inside the handshake (pure, synchronous, on a
 * snapshot): return null to accept, or a PEER_KEY_CHANGED error to refuse. `commit` runs once
 * the handshake completed (pin a new peer, update last seen).
 */
export interface PeerPolicy {
  /** `direction`: who connected (a name shown inbound is only claimed; see identity/known-peers.ts). */
  check(peer: PeerIdentity, direction?: 'inbound' | 'outbound'): { state: PeerKeyState } | SecureChatError;
  commit(peer: PeerIdentity, state: PeerKeyState, direction?: 'inbound' | 'outbound'): Promise<void>;
  /** The key stretching pinned for listener `account` at the first successful login, if any. */
  ksfPin?(account: string): KsfParams | undefined;
  /** Pins `ksf` for `account` after a successful login. */
  commitKsf?(account: string, ksf: KsfParams): Promise<void>;
}

/** The local user as the chat layer needs it. */
export interface LocalIdentity {
  readonly name: string;
  /** Ed25519 seed (secret). */
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** What a listener needs for its own account (from `securechat init`). */
export interface ListenerAccount {
  readonly name: string;
  /** OPAQUE server setup (secret). */
  readonly serverSetup: string;
  readonly record: Uint8Array;
  readonly ksf: KsfParams;
}

import type { GroupAppMessage } from './group-message.js';
import type { MailboxAppMessage } from '../relay/mailbox-offer.js';
import type { FileAppMessage } from '../files/messages.js';

export interface IncomingMessage {
  readonly id: number;
  readonly text: string;
  /** The sender's clock, ms since the epoch (not authenticated as true time). */
  readonly sentAt: number;
  /** Our clock when it arrived. */
  readonly receivedAt: number;
  /** The sender's message id (32 hex digits), kept across retries (TEXT_ID, PROTOCOL §7); absent for TEXT. */
  readonly messageId?: string;
}

export type CloseReason = 'local' | 'peer' | 'error';

export interface ConversationInfo {
  readonly peer: PeerIdentity;
  readonly peerState: PeerKeyState;
  readonly suite: SuiteId;
  readonly sessionId: Uint8Array;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

/** Handshake progress, one short human line each (the original printed these steps). */
export interface HandshakeStep {
  readonly step: 'connecting' | 'connected' | 'hello-sent' | 'hello-received' | 'authenticated' | 'established';
  readonly text: string;
}

export interface ConversationEvents {
  /** A text arrived. The delivery receipt is sent after the returned promise resolves (log it durably first). */
  message: (m: IncomingMessage) => void | Promise<void>;
  /** The peer confirmed (durably) receiving our message `id`. */
  receipt: (id: number) => void;
  /** Group traffic arrived (docs/PROTOCOL.md §12); receipted after the returned promise resolves, like a text. */
  group: (m: GroupAppMessage) => void | Promise<void>;
  /** The peer's MAILBOX offer arrived (docs/PROTOCOL.md §13); not receipted. */
  mailbox: (m: MailboxAppMessage) => void;
  /** File transfer traffic arrived (docs/FILES.md §4), in order; never receipted. The next waits for the returned promise. */
  file: (m: FileAppMessage) => void | Promise<void>;
  /** A rekey completed. */
  rekey: () => void;
  /** The conversation ended. `error` is set when it did not end cleanly (e.g. TRUNCATED). */
  closed: (reason: CloseReason, error?: SecureChatError) => void;
}

export interface ListenerStats {
  readonly pendingHandshakes: number;
  readonly sessions: number;
  readonly handshakesCompleted: number;
  readonly handshakesFailed: number;
  readonly refusedByLimiter: number;
  readonly refusedTooMany: number;
}

export interface ConnectOptions {
  readonly host: string;
  readonly port: number;
  /** Local address to connect from (tests use 127.0.0.x as "another source"). */
  readonly localAddress?: string;
  /** The listener's account name (its username). */
  readonly account: string;
  readonly password: Uint8Array;
  readonly self: LocalIdentity;
  readonly policy: PeerPolicy;
  readonly suites?: readonly SuiteId[];
  readonly onStep?: (s: HandshakeStep) => void;
  /** How often to retry when the listener answers "busy" (default CONNECT_BUSY_RETRIES). */
  readonly busyRetries?: number;
  /** The user consented to more key stretching than pinned for this account (`--accept-ksf`). */
  readonly acceptKsfIncrease?: boolean;
  /** Where the contact made by this login is recorded (docs/PROTOCOL.md §10); absent: none. */
  readonly contacts?: ContactBook;
  /** Accept an invitation (§11): `password` is its one-time code. */
  readonly invitation?: boolean;
  readonly handshakeTimeoutMs?: number;
  /** Record-layer limits, for tests and benchmarks. */
  readonly session?: SessionLimits;
}

export interface SessionLimits {
  readonly rekeyAfterRecords?: number;
  readonly rekeyAfterMs?: number;
  readonly rejectAfterRecords?: number;
  readonly tickMs?: number;
  readonly idleTimeoutMs?: number;
}
