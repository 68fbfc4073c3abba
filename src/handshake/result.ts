/**
 * What a completed handshake hands to the record layer (docs/PROTOCOL.md §4.3).
 * The record layer takes ownership of the key buffers and wipes them as it ratchets.
 */
import type { SuiteId } from '../crypto/aead.js';

export type Role = 'initiator' | 'responder';

export interface PeerIdentity {
  /** The peer's username: the account for a responder, the claimed (signed) name for an initiator. */
  readonly name: string;
  /** The peer's Ed25519 identity public key (32 bytes). */
  readonly identityKey: Uint8Array;
}

export interface HandshakeResult {
  readonly role: Role;
  readonly version: number;
  readonly suite: SuiteId;
  readonly peer: PeerIdentity;
  /** root_0: the root key for in-band rekeys (§6.4). */
  readonly root: Uint8Array;
  /** ck_i2r_0 and ck_r2i_0. */
  readonly chainI2R: Uint8Array;
  readonly chainR2I: Uint8Array;
  /** session_id (16 bytes), not secret: shown to users and logged. */
  readonly sessionId: Uint8Array;
  /** th_full: the hash of the whole handshake transcript. */
  readonly transcriptHash: Uint8Array;
  /**
   * A password login only (§4.3): the secret the two parties' per-contact chains start from
   * (§10.5). The caller stores it (derived) in its contacts or wipes it.
   */
  readonly contact?: Uint8Array;
}
