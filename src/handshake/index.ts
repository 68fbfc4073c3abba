/** The handshake (docs/PROTOCOL.md §4): the public surface for the transport and the tests. */
export { Initiator, type InitiatorOptions, type InitiatorState } from './initiator.js';
export { Responder, type ResponderOptions, type ResponderState } from './responder.js';
export { alertFor, alertNameFor, decodeAlert, AlertCode, PeerAlertError, type AlertName } from './alert.js';
export type { StepOutput, PeerCheck } from './machine.js';
export type { LocalIdentity } from './identity-block.js';
export type { HandshakeResult, PeerIdentity, Role } from './result.js';
export { decodeClientHello } from './messages.js';
