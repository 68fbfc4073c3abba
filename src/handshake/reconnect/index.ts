/** The reconnect handshake by keys (docs/PROTOCOL.md §10): the public surface. */
export { ReconnectInitiator, type ReconnectInitiatorOptions, type ReconnectInitiatorState, type ReconnectResult, type ReconnectStep } from './initiator.js';
export { ReconnectResponder, type ReconnectResponderOptions, type ReconnectResponderState, type ReconnectContact } from './responder.js';
export { advanceInbound, advanceOutbound, pqDue, pqOverdue, MAX_SEEN, PQ_EVERY_MS, PQ_EVERY_RECONNECTS, PQ_GRACE_RECONNECTS, type Accepted, type EpochSecret, type InboundChain, type OutboundChain } from './ratchet.js';
export { initialContactSecrets } from './key-schedule.js';
export { RECONNECT_PROLOGUE, type KemFunctions } from './common.js';
export { IKPSK2_PROTOCOL_NAME, type KeyPair } from './ikpsk2.js';
export { memoStaticDh, type MemoStaticDh, type StaticDh } from './static-dh.js';
