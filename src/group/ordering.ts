/**
 * The ordering rule (docs/GROUPS.md §5). Concurrent commits must not fork a group: exactly one
 * commit is applied per epoch, and a member applies its own commit only after it was accepted.
 *
 * Two modes:
 * - `committer` (no relay): one designated committer, the creator (leaf 0), sends commits;
 *   everyone else sends proposals, and a commit from anyone else is refused
 *   (`GROUP_COMMIT_REFUSED`). The committer is its own ordering point, so it accepts its own
 *   commit itself.
 * - `sequenced` (a Delivery Service orders the group, RFC 9750): any member may commit;
 *   the first commit the DS accepts for an epoch wins, the others are refused and their
 *   authors rebase (drop their pending commit, apply the winner, send their change again).
 *
 * `EpochSequencer` is that DS decision as a pure value, used by the tests now and meant for the
 * relay later: it looks only at the cleartext header (group id, epoch, content type).
 */
import { remoteError } from '../errors.js';
import type { GroupFrame } from './frame.js';

export type Ordering = { readonly mode: 'committer'; readonly committerLeaf: number } | { readonly mode: 'sequenced' };

/** The default without a relay: the creator (always leaf 0) commits. */
export const CREATOR_COMMITS: Ordering = { mode: 'committer', committerLeaf: 0 };

export interface EpochSequencer {
  readonly groupId: Uint8Array;
  /** The epoch whose commit the sequencer accepts next. */
  readonly epoch: bigint;
}

export type SequencerVerdict = { readonly accepted: true; readonly next: EpochSequencer } | { readonly accepted: false; readonly code: 'GROUP_WRONG_EPOCH' | 'GROUP_WRONG_GROUP' };

function sameId(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Offers one message frame to the sequencer. A commit for the current epoch is accepted and
 * moves the sequencer on; a commit for any other epoch is refused. Proposals and application
 * messages are accepted for the current or (application only) an earlier epoch.
 */
export function offer(seq: EpochSequencer, frame: GroupFrame): SequencerVerdict {
  const h = frame.header;
  if (frame.kind !== 'message' || h.groupId === undefined || h.epoch === undefined) throw remoteError('DECODE_ERROR', 'only group messages are sequenced');
  if (!sameId(h.groupId, seq.groupId)) return { accepted: false, code: 'GROUP_WRONG_GROUP' };
  if (h.contentType === 'commit') {
    if (h.epoch !== seq.epoch) return { accepted: false, code: 'GROUP_WRONG_EPOCH' };
    return { accepted: true, next: { groupId: seq.groupId, epoch: seq.epoch + 1n } };
  }
  if (h.epoch > seq.epoch || (h.contentType === 'proposal' && h.epoch !== seq.epoch)) return { accepted: false, code: 'GROUP_WRONG_EPOCH' };
  return { accepted: true, next: seq };
}
