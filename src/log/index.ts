/**
 * Public API of the conversation log (docs/LOG-FORMAT.md). The chat layer needs
 * `loadOrCreateLogSecret`, `logPaths`, `LogWriter` and the event types; the CLI needs
 * `logShow`, `logVerify`, `logRepair` and `LogExitCode`.
 */
export { EventKind, Verification, RepairAction } from './event.js';
export type {
  LogEvent, MessageEvent, ConversationStartEvent, ConversationEndEvent, KeyChangeEvent, AuthFailedEvent, LogRepairedEvent,
} from './event.js';
export { loadLogSecret, loadOrCreateLogSecret, logKeyPath } from './secret.js';
export { LogWriter, logPaths, logPathsForFile, repairLog, verifyLogFile } from './file.js';
export type { LogPaths, OpenLogOptions, RepairOutcome } from './file.js';
export { ProblemKind, formatAnchor, parseAnchor, verifyLog } from './verify.js';
export type { Anchor, Problem, VerifiedEntry, VerifyResult } from './verify.js';
export { LogExitCode, logRepair, logShow, logVerify } from './commands.js';
export type { CommandResult, LegacyLogVerifier, LogRepairOptions, LogShowOptions, LogVerifyOptions } from './commands.js';
