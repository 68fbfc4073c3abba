/**
 * The page's group view (docs/UI.md "Groups", docs/GROUPS.md §13): what the page and the local
 * server say about groups. Types only, shared by the Node side (src/ui/groups-page.ts) and the
 * page (src/ui/web/groups.ts).
 */
export type GroupMemberKeyState = 'you' | 'verified' | 'pinned' | 'unverified' | 'changed';

export interface GroupMemberView {
  readonly name: string;
  readonly fingerprint: string;
  readonly keyState: GroupMemberKeyState;
  readonly committer: boolean;
}

export interface GroupView {
  readonly name: string;
  readonly status: 'active' | 'removed';
  /** The MLS epoch, as a decimal string (a u64). */
  readonly epoch: string;
  readonly committer: string;
  readonly members: readonly GroupMemberView[];
}

export interface GroupMessageView {
  readonly group: string;
  readonly from: string;
  readonly text: string;
  /** ms since the epoch: when it arrived, or when we sent it. */
  readonly at: number;
  readonly direction: 'in' | 'out';
}

export interface GroupSendRequest {
  readonly group: string;
  readonly text: string;
}

/** The answer to a send: our message as shown, and who it did not reach (one sentence each). */
export interface GroupSendView {
  readonly message: GroupMessageView;
  readonly undelivered: readonly string[];
}

/** Group events on the page's WebSocket, inside `{ type: 'group', event }`. */
export type GroupPageEvent =
  | { readonly kind: 'message'; readonly message: GroupMessageView }
  /** Membership, epoch or status changed (joined, commit, removed): read /api/groups again. */
  | { readonly kind: 'changed'; readonly group: string };
