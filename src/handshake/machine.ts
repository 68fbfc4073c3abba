/**
 * What the initiator and responder state machines share: the step output, the frame-type
 * gate run before every step, and the rule that only `SecureChatError`s leave a machine.
 */
import { isSecureChatError, localError, remoteError, type SecureChatError } from '../errors.js';
import { FrameType, type Frame } from '../wire/frame.js';
import { decodeAlert } from './alert.js';
import type { HandshakeResult, PeerIdentity } from './result.js';

/** What one call hands back to the transport: frames to write, in order, and maybe the result. */
export interface StepOutput {
  readonly send: Uint8Array[];
  readonly result?: HandshakeResult;
  /**
   * 'hello': the responder has just sent ServerHello, so from now on a handshake that does not
   * complete counts as a failed attempt (docs/PROTOCOL.md §4.8).
   */
  readonly progress?: 'hello';
}

/** Applied by the caller to the peer's verified identity (§4.7): null accepts, an error refuses. */
export type PeerCheck = (peer: PeerIdentity) => SecureChatError | null;

const NAMES: Readonly<Record<number, string>> = {
  [FrameType.CLIENT_HELLO]: 'ClientHello',
  [FrameType.SERVER_HELLO]: 'ServerHello',
  [FrameType.CLIENT_FINISH]: 'ClientFinish',
  [FrameType.SERVER_FINISH]: 'ServerFinish',
  [FrameType.ALERT]: 'ALERT',
  [FrameType.RECONNECT_HELLO]: 'RECONNECT_HELLO',
  [FrameType.RECONNECT_REPLY]: 'RECONNECT_REPLY',
  [FrameType.INVITE_HELLO]: 'INVITE_HELLO',
  [FrameType.RECORD]: 'RECORD',
};

/**
 * The gate of every state: the expected frame type passes; an ALERT before completion is
 * `PEER_ALERT` (§4.6); anything else is `UNEXPECTED_MESSAGE`.
 */
export function gate(state: string, expected: FrameType | null, frame: Frame): void {
  if (expected !== null && frame.type === expected) return;
  if (frame.type === FrameType.ALERT && expected !== null) throw decodeAlert(frame.payload);
  throw remoteError('UNEXPECTED_MESSAGE', `${NAMES[frame.type] ?? 'frame'} in state ${state}`);
}

/** Anything that is not already a SecureChatError becomes INTERNAL (with its cause kept locally). */
export function typed(e: unknown): SecureChatError {
  return isSecureChatError(e) ? e : localError('INTERNAL', 'unexpected failure in the handshake', e);
}

/** Runs the caller's peer check; a throwing callback is INTERNAL, never an untyped escape. */
export function runPeerCheck(check: PeerCheck, peer: PeerIdentity): void {
  let r: SecureChatError | null;
  try {
    r = check({ name: peer.name, identityKey: peer.identityKey.slice() });
  } catch (e) {
    throw typed(e);
  }
  if (r !== null) throw r;
}
