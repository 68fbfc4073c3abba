/**
 * Building and checking the sealed IdentityBlock of the Finish messages
 * (docs/PROTOCOL.md §4.4, §4.5). Checks in the order of the spec, cheapest first: open the seal
 * (`AUTH_FAILED`), decode the block (`DECODE_ERROR`), verify the confirmation in constant time
 * (`AUTH_FAILED`, one HMAC), then the Ed25519 signature (`AUTH_FAILED`, the expensive one).
 */
import { concat, ctEqual } from '../crypto/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { ed25519Sign, ed25519Verify } from '../crypto/ecc.js';
import { open, seal, type SuiteId } from '../crypto/aead.js';
import { remoteError } from '../errors.js';
import { decodeIdentityBlock, encodeIdentityBlock } from './messages.js';
import { confirmMac } from './key-schedule.js';
import { idPart, signedMessage, INITIATOR_SIGNATURE_CONTEXT, RESPONDER_SIGNATURE_CONTEXT } from './transcript.js';
import type { PeerIdentity, Role } from './result.js';

/** This party's long-term Ed25519 identity and own username. `seed` is secret. */
export interface LocalIdentity {
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly name: string;
}

const context = (role: Role): string => (role === 'initiator' ? INITIATOR_SIGNATURE_CONTEXT : RESPONDER_SIGNATURE_CONTEXT);

/** Inputs shared by sealing and opening one side's IdentityBlock. */
export interface BlockKeys {
  readonly suite: SuiteId;
  /** i_hs or r_hs. */
  readonly sealKey: Uint8Array;
  /** i_confirm or r_confirm. */
  readonly confirmKey: Uint8Array;
  /** th_sh (ClientFinish) or H(CH || SH || CF) (ServerFinish). */
  readonly aad: Uint8Array;
  /** `CH || SH || opaque16(ke3)` (initiator) or `CH || SH || CF` (responder). */
  readonly prefix: Uint8Array;
}

/** Seal(suite, key, aad, identity_key || name || signature || confirm). */
export function sealIdentityBlock(role: Role, id: LocalIdentity, k: BlockKeys): Uint8Array {
  const part = idPart(k.prefix, id.publicKey, id.name);
  const signature = ed25519Sign(id.seed, signedMessage(context(role), part));
  const confirm = confirmMac(k.confirmKey, sha256(part, signature));
  return seal(k.suite, k.sealKey, k.aad, encodeIdentityBlock({ identityKey: id.publicKey, name: id.name, signature, confirm }));
}

/** Opens and verifies the peer's block; `role` is the peer's role. */
export function openIdentityBlock(role: Role, sealed: Uint8Array, k: BlockKeys): PeerIdentity {
  const plain = open(k.suite, k.sealKey, k.aad, sealed);
  const block = decodeIdentityBlock(plain);
  const part = idPart(k.prefix, block.identityKey, block.name);
  const want = confirmMac(k.confirmKey, sha256(concat(part, block.signature)));
  if (!ctEqual(want, block.confirm)) throw remoteError('AUTH_FAILED', `${role} transcript confirmation does not verify`);
  if (!ed25519Verify(block.identityKey, signedMessage(context(role), part), block.signature)) {
    throw remoteError('AUTH_FAILED', `${role} identity signature does not verify`);
  }
  return { name: block.name, identityKey: block.identityKey };
}
