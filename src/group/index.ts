/**
 * src/group: group chat on MLS (RFC 9420) through ts-mls behind one adapter (docs/GROUPS.md).
 * Import the group layer from here; `mls.ts` is internal to this folder except for its opaque
 * types and suite ids.
 */
export {
  loadSuite,
  newKeyPackage,
  createGroup,
  joinGroup,
  members,
  changeMembers,
  commitProposals,
  leave,
  ownCommitAccepted,
  ownCommitRejected,
  send,
  receive,
  type Group,
  type GroupSelf,
  type GroupChange,
  type GroupEvent,
  type PendingCommit,
  type ChangeResult,
  type CreateParams,
  type JoinParams,
} from './group.js';
export { encodeGroup, decodeGroup } from './persist.js';
export { checkMember, encodeCredential, decodeCredential, type PinLookup, type KeyState, type MemberCredential } from './credential.js';
export { decodeGroupFrame, encodeGroupFrame, FrameKind, GROUP_FRAME_VERSION, type GroupFrame, type FrameKindName } from './frame.js';
export { offer, CREATOR_COMMITS, type Ordering, type EpochSequencer, type SequencerVerdict } from './ordering.js';
export type { MemberView } from './members.js';
export { DEFAULT_GROUP_SUITE, GROUP_SUITES, isGroupSuiteId, type GroupSuiteId } from './mls.js';
export type { MlsSuite, MlsKeyPackage } from './mls.js';
export { syncLog, commitVia, sendVia, joinFromLog, adjustChange, type GroupLogPort, type LogEntry, type LogMember, type AppendOutcome, type Refusal, type SyncResult, type CommitOutcome } from './log-member.js';
