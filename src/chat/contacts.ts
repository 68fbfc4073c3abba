/**
 * Contacts as the chat layer needs them (docs/PROTOCOL.md §10): a port the caller implements
 * over its store (the CLI over identity/contacts-file.ts), so the chat layer keeps no files.
 */
import type { KsfParams } from '../crypto/opaque.js';
import type { PeerIdentity, Role } from '../handshake/result.js';
import type { Accepted, EpochSecret, OutboundChain, ReconnectContact } from '../handshake/reconnect/index.js';

/** A contact we can reconnect to. */
export interface OutboundContact {
  readonly name: string;
  readonly identityKey: Uint8Array;
  readonly staticKey: Uint8Array;
  readonly out: OutboundChain;
}

export interface ContactBook {
  /** The contact `name` with an outbound chain, or null (then a password login is needed). */
  outbound(name: string): Promise<OutboundContact | null>;
  /** The listener's allow list, synchronously (inside a handshake step). */
  lookup(staticKey: Uint8Array): ReconnectContact | null;
  /** Persists our chain after a reconnect we initiated (§10.5). */
  commitOutbound(name: string, used: EpochSecret, accepted: Accepted, nowMs: number): Promise<void>;
  /** Persists the listener's chain once the initiator confirmed (§10.5). */
  commitInbound(name: string, accepted: Accepted): Promise<void>;
  /** A password login (or invitation) completed: `peer` and we are contacts from now on. */
  madeContact(peer: PeerIdentity, role: Role, contact: Uint8Array, via: 'password' | 'invitation'): Promise<void>;
}

/** A pending invitation as the listener serves it (docs/PROTOCOL.md §11). */
export interface PendingInvitation {
  readonly serverSetup: string;
  readonly record: Uint8Array;
  readonly ksf: KsfParams;
  /** ms since the epoch, on the listener's clock. */
  readonly expiresAt: number;
}

export interface InvitationBook {
  /** The pending invitation, or null. Synchronous (inside a handshake step). */
  pending(): PendingInvitation | null;
  /** It was used for one attempt: delete it. */
  consume(): void;
}
