/**
 * The outbox of one local user, as a pure state machine (no clock, timers, files or sockets:
 * `now` and the jitter are parameters; src/app/outbox-runner.ts is the adapter).
 *
 * A message to a contact that cannot be reached now waits here until it is delivered (its
 * receipt arrived), cancelled, or expired. Messages to one contact form one queue, delivered
 * in the order they were queued, one at a time: the next leaves only after the previous one's
 * receipt. Each queue has a retry schedule: after a failed attempt the next waits
 * `backoff(attempts)` (doubling from `firstMs` up to `maxMs`, times a jitter in [1/2, 1]);
 * `kick` (a new message, or the contact connected to us) makes it due at once.
 *
 * Only `entries` is stored (src/app/outbox-store.ts); the schedule is memory only, so an agent
 * that restarts tries every queue at once. Every transition returns a new state; failed input
 * (a full queue, an unknown id) changes nothing.
 *
 *   queue:  idle --due(now)/start--> delivering --delivered--> (next head, still delivering)
 *                                         |--failed(now)--> waiting until now + backoff --> idle
 *                                         '--finished (queue empty)--> gone
 */
import { localError } from '../errors.js';
import { MAX_OUTBOX_MESSAGES, MAX_OUTBOX_PER_CONTACT, OUTBOX_EXPIRY_MS, OUTBOX_RETRY_FIRST_MS, OUTBOX_RETRY_MAX_MS } from '../limits.js';
import type { Target } from './target.js';

/** One queued message. */
export interface OutboxEntry {
  /** The TEXT_ID message id (32 hex digits, PROTOCOL §7), the same on every attempt. */
  readonly id: string;
  readonly to: Target;
  readonly text: string;
  /** When it was queued (ms since the epoch, the agent's clock). */
  readonly queuedAt: number;
}

/** Why the last attempt failed: the stable code and the sentence a person reads. */
export interface AttemptError {
  readonly code: string;
  readonly sentence: string;
}

export interface QueueState {
  /** Failed attempts since the last delivery. */
  readonly attempts: number;
  /** The next attempt is due then. */
  readonly nextAt: number;
  readonly delivering: boolean;
  readonly lastError?: AttemptError;
}

export interface OutboxState {
  /** Every queued message, in the order queued. */
  readonly entries: readonly OutboxEntry[];
  /** Per contact (account) with queued messages: its retry schedule. */
  readonly queues: ReadonlyMap<string, QueueState>;
}

export interface OutboxLimits {
  readonly perContact: number;
  readonly total: number;
  readonly expiryMs: number;
  readonly firstMs: number;
  readonly maxMs: number;
}

export const DEFAULT_OUTBOX_LIMITS: OutboxLimits = {
  perContact: MAX_OUTBOX_PER_CONTACT,
  total: MAX_OUTBOX_MESSAGES,
  expiryMs: OUTBOX_EXPIRY_MS,
  firstMs: OUTBOX_RETRY_FIRST_MS,
  maxMs: OUTBOX_RETRY_MAX_MS,
};

export const EMPTY_OUTBOX: OutboxState = { entries: [], queues: new Map() };

/** The state of entries read back from the store: every queue due at `now`. */
export function restore(entries: readonly OutboxEntry[], now: number): OutboxState {
  const queues = new Map<string, QueueState>();
  for (const e of entries) if (!queues.has(e.to.account)) queues.set(e.to.account, { attempts: 0, nextAt: now, delivering: false });
  return { entries: [...entries], queues };
}

/** The wait before attempt `attempts + 1`: `firstMs · 2^(attempts−1)` capped at `maxMs`, times `1/2 + jitter/2` (jitter in [0, 1)). */
export function backoff(attempts: number, jitter: number, l: Pick<OutboxLimits, 'firstMs' | 'maxMs'> = DEFAULT_OUTBOX_LIMITS): number {
  const exp = Math.min(Math.max(attempts - 1, 0), 40);
  const base = Math.min(l.maxMs, l.firstMs * 2 ** exp);
  const j = Math.min(Math.max(jitter, 0), 1);
  return Math.ceil(base * (0.5 + j / 2));
}

/** Messages queued for `account`, in order. */
export function queued(s: OutboxState, account: string): OutboxEntry[] {
  return s.entries.filter((e) => e.to.account === account);
}

/** The next message to deliver to `account`, if any. */
export function head(s: OutboxState, account: string): OutboxEntry | undefined {
  return s.entries.find((e) => e.to.account === account);
}

function withQueue(s: OutboxState, account: string, q: QueueState | undefined, entries = s.entries): OutboxState {
  const queues = new Map(s.queues);
  if (q === undefined) queues.delete(account);
  else queues.set(account, q);
  return { entries, queues };
}

/**
 * Adds `e` at the end of its contact's queue. `failed`: the message was just tried directly and
 * not delivered (a new queue then waits its first backoff instead of retrying at once).
 * Throws USAGE when the queue or the outbox is full; an id already queued changes nothing.
 */
export function enqueue(s: OutboxState, e: OutboxEntry, now: number, l: OutboxLimits = DEFAULT_OUTBOX_LIMITS, failed?: { error: AttemptError; jitter: number }): OutboxState {
  if (s.entries.some((x) => x.id === e.id)) return s;
  if (s.entries.length >= l.total) throw localError('USAGE', `the outbox is full (${l.total} messages wait); wait until some are delivered, or cancel some (\`securechat outbox\`)`);
  if (queued(s, e.to.account).length >= l.perContact) throw localError('USAGE', `the outbox already holds ${l.perContact} messages for ${e.to.account}; wait until some are delivered`);
  const entries = [...s.entries, e];
  const q = s.queues.get(e.to.account);
  if (q !== undefined) return withQueue(s, e.to.account, q, entries);
  const fresh: QueueState = failed === undefined
    ? { attempts: 0, nextAt: now, delivering: false }
    : { attempts: 1, nextAt: now + backoff(1, failed.jitter, l), delivering: false, lastError: failed.error };
  return withQueue(s, e.to.account, fresh, entries);
}

/** Contacts whose queue is due at `now` and not being delivered, oldest head first. */
export function due(s: OutboxState, now: number): string[] {
  const out: string[] = [];
  for (const e of s.entries) {
    const a = e.to.account;
    if (out.includes(a)) continue;
    const q = s.queues.get(a);
    if (q !== undefined && !q.delivering && q.nextAt <= now) out.push(a);
  }
  return out;
}

/** Marks `account`'s queue as being delivered (the runner owns it until `failed` or `finished`). */
export function start(s: OutboxState, account: string): OutboxState {
  const q = s.queues.get(account);
  if (q === undefined || q.delivering) return s;
  return withQueue(s, account, { ...q, delivering: true });
}

/** The receipt for message `id` arrived: it leaves the outbox, and the retry schedule restarts. */
export function delivered(s: OutboxState, id: string): OutboxState {
  const e = s.entries.find((x) => x.id === id);
  if (e === undefined) return s;
  const entries = s.entries.filter((x) => x.id !== id);
  const q = s.queues.get(e.to.account);
  const left = entries.some((x) => x.to.account === e.to.account);
  // A queue being delivered stays the runner's until `finished`, even when it just emptied.
  const next: QueueState | undefined = q !== undefined && (left || q.delivering) ? { attempts: 0, nextAt: q.nextAt, delivering: q.delivering } : undefined;
  return withQueue(s, e.to.account, next, entries);
}

/** An attempt for `account` failed: the next is due after the backoff. */
export function failed(s: OutboxState, account: string, now: number, error: AttemptError, jitter: number, l: OutboxLimits = DEFAULT_OUTBOX_LIMITS): OutboxState {
  const q = s.queues.get(account);
  if (!s.entries.some((e) => e.to.account === account)) return withQueue(s, account, undefined);
  const attempts = (q?.attempts ?? 0) + 1;
  return withQueue(s, account, { attempts, nextAt: now + backoff(attempts, jitter, l), delivering: false, lastError: error });
}

/** The runner stopped delivering to `account` (its queue is empty, or it gave up for now without an error). */
export function finished(s: OutboxState, account: string, now: number): OutboxState {
  const q = s.queues.get(account);
  if (!s.entries.some((e) => e.to.account === account)) return withQueue(s, account, undefined);
  return withQueue(s, account, { attempts: q?.attempts ?? 0, nextAt: q?.nextAt ?? now, delivering: false, ...(q?.lastError === undefined ? {} : { lastError: q.lastError }) });
}

/** Makes `account`'s queue due at `now` (a new message to it, or it connected to us). */
export function kick(s: OutboxState, account: string, now: number): OutboxState {
  const q = s.queues.get(account);
  if (q === undefined || q.nextAt <= now) return s;
  return withQueue(s, account, { ...q, nextAt: now });
}

/** Removes message `id` (the user cancelled it); `null` when no such message waits. */
export function cancel(s: OutboxState, id: string): OutboxState | null {
  const e = s.entries.find((x) => x.id === id);
  if (e === undefined) return null;
  const entries = s.entries.filter((x) => x.id !== id);
  const left = entries.some((x) => x.to.account === e.to.account);
  const q = s.queues.get(e.to.account);
  return withQueue(s, e.to.account, left || q?.delivering === true ? q : undefined, entries);
}

/** Drops the messages queued `expiryMs` or longer ago; returns them. */
export function expire(s: OutboxState, now: number, l: OutboxLimits = DEFAULT_OUTBOX_LIMITS): { state: OutboxState; expired: OutboxEntry[] } {
  const expired = s.entries.filter((e) => e.queuedAt + l.expiryMs <= now);
  if (expired.length === 0) return { state: s, expired };
  const entries = s.entries.filter((e) => e.queuedAt + l.expiryMs > now);
  const queues = new Map<string, QueueState>();
  for (const [a, q] of s.queues) if (q.delivering || entries.some((e) => e.to.account === a)) queues.set(a, q);
  return { state: { entries, queues }, expired };
}

/** When something is next due (an attempt or an expiry), or `undefined` when nothing waits. */
export function nextWake(s: OutboxState, l: OutboxLimits = DEFAULT_OUTBOX_LIMITS): number | undefined {
  let t: number | undefined;
  const at = (x: number): void => {
    if (t === undefined || x < t) t = x;
  };
  for (const q of s.queues.values()) if (!q.delivering) at(q.nextAt);
  for (const e of s.entries) at(e.queuedAt + l.expiryMs);
  return t;
}
