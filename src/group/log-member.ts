/**
 * A member of a group ordered by a Delivery Service's log (docs/GROUPS.md §5 `sequenced` mode,
 * §12; the relay's per-group log, docs/RELAY.md §3). The log is the group's one ordering
 * point: an append succeeds only if the log's last position is the one the member read
 * (`expectAfter`), so of two commits for one epoch exactly one is stored.
 *
 * - Every member processes the log's entries in the log's order (`syncLog`).
 * - A member appends its commit at the position it has read up to, and applies it only after
 *   the append succeeded (`commitVia`). A conflict means something was appended first: the
 *   member reads it; if it was a commit for our epoch, `receive` drops our pending commit and
 *   hands its change back (`rebase`), which is committed again, adjusted, in the new epoch.
 * - Application messages go through the same log (`sendVia`), so every member sees one order.
 *
 * Entries the group layer refuses (a tampered, replayed, reordered or foreign entry) are
 * skipped and reported with their code: any member holds the append key, so the log can hold
 * garbage, and skipping it is what every honest member does alike. The only I/O is the
 * `GroupLogPort` the caller passes (an adapter over `RelayClient`); no clock, no files.
 */
import { isSecureChatError, localError, remoteError } from '../errors.js';
import { usernameKey } from '../identity/username.js';
import { decodeCredential, type PinLookup } from './credential.js';
import { decodeGroupFrame } from './frame.js';
import { changeMembers, joinGroup, ownCommitAccepted, receive, send, type Group, type GroupChange, type GroupEvent, type JoinParams } from './group.js';
import { keyPackageLeaf } from './mls.js';
import { membersOf } from './members.js';
import { GROUP_LOG_READ_BATCH, GROUP_MAX_COMMIT_ATTEMPTS } from './limits.js';

export interface LogEntry {
  readonly seq: number;
  readonly data: Uint8Array;
}

export type AppendOutcome = { readonly ok: true; readonly position: number } | { readonly ok: false; readonly last: number };

/** The group's log at the Delivery Service. */
export interface GroupLogPort {
  /** Appends iff the log's last position is `expectAfter` (0: empty). */
  readonly append: (expectAfter: number, data: Uint8Array) => Promise<AppendOutcome>;
  /** Entries after position `after`, oldest first, at most `max`. */
  readonly read: (after: number, max: number) => Promise<readonly LogEntry[]>;
}

/** A member's group and how far into the log it has processed. */
export interface LogMember {
  readonly group: Group;
  readonly cursor: number;
}

export interface Refusal {
  readonly seq: number;
  readonly code: string;
}

export interface SyncResult {
  readonly member: LogMember;
  readonly events: readonly GroupEvent[];
  readonly refused: readonly Refusal[];
  /** Our pending commit lost to another for its epoch: its change, to commit again. */
  readonly rebase: GroupChange | undefined;
}

/** Processes every entry after the member's cursor, in log order. */
export async function syncLog(m: LogMember, port: GroupLogPort, pins: PinLookup): Promise<SyncResult> {
  let group = m.group;
  let cursor = m.cursor;
  const events: GroupEvent[] = [];
  const refused: Refusal[] = [];
  let rebase: GroupChange | undefined;
  // Once a commit removed us, what follows is not for us: reading stops there.
  while (group.mls.active) {
    const batch = await port.read(cursor, GROUP_LOG_READ_BATCH);
    if (batch.length === 0) break;
    for (const e of batch) {
      if (!group.mls.active) break;
      if (!Number.isSafeInteger(e.seq) || e.seq <= cursor) throw remoteError('UNEXPECTED_MESSAGE', `the log returned position ${e.seq} after position ${cursor}`);
      cursor = e.seq;
      if (isWelcome(e.data)) continue; // for a joiner, who starts reading at its commit
      try {
        const r = await receive(group, e.data, pins);
        group = r.group;
        events.push(r.event);
        if (r.event.kind === 'commit' && r.event.rebase !== undefined) rebase = r.event.rebase;
      } catch (err) {
        if (!isSecureChatError(err) || err.code === 'INTERNAL') throw err;
        refused.push({ seq: e.seq, code: err.code });
      }
    }
    if (batch.length < GROUP_LOG_READ_BATCH) break;
  }
  return { member: { group, cursor }, events, refused, rebase };
}

function isWelcome(data: Uint8Array): boolean {
  try {
    return decodeGroupFrame(data).kind === 'welcome';
  } catch {
    return false;
  }
}

/** What is left of a change after another commit won: members added meanwhile are not added again, members gone are not removed. */
export function adjustChange(change: GroupChange, g: Group, pins: PinLookup): GroupChange {
  const now = new Set(membersOf(g.mls, pins).map((x) => usernameKey(x.name)));
  const add = change.add.filter((f) => {
    const leaf = keyPackageLeaf(decodeGroupFrame(f).mls);
    return !now.has(usernameKey(decodeCredential(leaf.credentialIdentity).name));
  });
  return { add, remove: change.remove.filter((n) => now.has(usernameKey(n))) };
}

export interface CommitOutcome extends SyncResult {
  /** Our commit as stored, its log position and its Welcome; undefined if nothing was left to commit. */
  readonly committed: { readonly position: number; readonly frame: Uint8Array; readonly welcome: Uint8Array | undefined } | undefined;
  /** Appends that lost to another entry (each followed by a read and, for a commit, a rebase). */
  readonly conflicts: number;
}

/**
 * Commits `change` through the log: catch up, commit at the newest epoch, append, apply only
 * once stored; on a conflict read what won and try again (rebased) — at most
 * `GROUP_MAX_COMMIT_ATTEMPTS` times, then `RELAY_CONFLICT`. A pending commit held from an
 * earlier call whose append failed (the relay did not answer) is settled first: if the log
 * holds it, that is its acceptance.
 */
export async function commitVia(m: LogMember, port: GroupLogPort, change: GroupChange, pins: PinLookup): Promise<CommitOutcome> {
  if (m.group.ordering.mode !== 'sequenced') throw localError('INTERNAL', 'commitVia needs a group in sequenced mode');
  let cur = m;
  let want = change;
  const events: GroupEvent[] = [];
  const refused: Refusal[] = [];
  let conflicts = 0;
  for (let attempt = 0; attempt < GROUP_MAX_COMMIT_ATTEMPTS; attempt++) {
    const s = await syncLog(cur, port, pins);
    cur = s.member;
    events.push(...s.events);
    refused.push(...s.refused);
    if (s.rebase !== undefined) want = s.rebase;
    if (!cur.group.mls.active) throw localError('GROUP_NOT_MEMBER', 'a commit removed us from the group before ours was stored');
    let g = cur.group;
    if (g.pending === undefined) {
      want = adjustChange(want, g, pins);
      if (want.add.length === 0 && want.remove.length === 0 && (change.add.length > 0 || change.remove.length > 0)) {
        return { member: cur, events, refused, rebase: undefined, committed: undefined, conflicts };
      }
      g = (await changeMembers(g, want, pins)).group;
    }
    const p = g.pending;
    if (p === undefined) throw localError('INTERNAL', 'a sequenced commit left nothing pending');
    // Kept with the pending commit until the log answers: if the append's outcome is unknown (it throws), the next sync settles it.
    cur = { group: g, cursor: cur.cursor };
    let r: AppendOutcome;
    try {
      r = await port.append(cur.cursor, p.frame);
    } catch (e) {
      throw Object.assign(e instanceof Error ? e : new Error(String(e)), { member: cur });
    }
    if (r.ok) {
      if (r.position <= cur.cursor) throw remoteError('UNEXPECTED_MESSAGE', `the log stored our commit at position ${r.position}, not after ${cur.cursor}`);
      const applied = ownCommitAccepted(g, pins);
      events.push(applied.event);
      return { member: { group: applied.group, cursor: r.position }, events, refused, rebase: undefined, committed: { position: r.position, frame: p.frame, welcome: p.welcome }, conflicts };
    }
    conflicts++;
  }
  throw localError('RELAY_CONFLICT', `our commit lost to another ${GROUP_MAX_COMMIT_ATTEMPTS} times in a row; try again`);
}

/** Sends an application message through the log; re-encrypted if a commit moved the epoch before it was stored. */
export async function sendVia(m: LogMember, port: GroupLogPort, plaintext: Uint8Array, pins: PinLookup): Promise<SyncResult & { readonly position: number }> {
  let cur = m;
  const events: GroupEvent[] = [];
  const refused: Refusal[] = [];
  for (let attempt = 0; attempt < GROUP_MAX_COMMIT_ATTEMPTS; attempt++) {
    const s = await syncLog(cur, port, pins);
    events.push(...s.events);
    refused.push(...s.refused);
    const sent = await send(s.member.group, plaintext, pins);
    const r = await port.append(s.member.cursor, sent.frame);
    if (r.ok) return { member: { group: sent.group, cursor: r.position }, events, refused, rebase: s.rebase, position: r.position };
    // Not stored: the message's key generation is spent in `sent`, so keep that state and read on.
    cur = { group: sent.group, cursor: s.member.cursor };
  }
  throw localError('RELAY_CONFLICT', `the group log moved ${GROUP_MAX_COMMIT_ATTEMPTS} times while we sent; try again`);
}

/** Joins from a Welcome whose commit is at log position `commitPosition`: reading starts right after it. */
export async function joinFromLog(p: JoinParams, commitPosition: number): Promise<LogMember> {
  const j = await joinGroup({ ...p, ordering: { mode: 'sequenced' } });
  return { group: j.group, cursor: commitPosition };
}
