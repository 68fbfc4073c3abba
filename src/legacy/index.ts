/**
 * SecureChat v0 bridge: talk to the original Python SecureChat, on explicit request only.
 * See docs/LEGACY.md. Every use must show `LEGACY_WARNING`.
 */
export { LEGACY_WARNING, legacySend, runLegacyListener } from './net.js';
export type { LegacyListenerOptions, LegacyListenerResult, LegacySendOptions, LegacySendResult } from './net.js';
export type { LegacyEvent } from './net-events.js';
export { verifyLegacyLog, formatLogLine, type LogVerifyResult } from './log-line.js';
export { LegacyReceiver, newLegacyReceiver, type LegacyReceiverParams } from './receiver.js';
export { LegacySender, checkLegacyText, type LegacySenderParams } from './sender.js';
export type { LegacyCoreEvent, LegacyStep } from './events.js';
export { oakleyGroup2, type DhGroup } from './dh.js';
export * from './limits.js';
