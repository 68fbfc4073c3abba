/**
 * The outbox's adapter in the agent: the one place with timers, files and the route. It keeps
 * each local user's outbox state (src/app/outbox.ts), stores every change before telling
 * anyone (src/app/outbox-store.ts), and delivers each contact's queue in order through a
 * `DeliveryRoute`: at once when a queue is due, again after the backoff when an attempt failed,
 * and at once when that contact connects to us (`kick`).
 *
 * `send` is the path of a message to a contact: when nothing waits for that contact it is tried
 * at once; if the contact cannot be reached (refused, timed out, lost before the receipt) it is
 * queued, durably, and `send` answers "queued". A message that left without a receipt keeps
 * its message id, so the receiver recognises the retry (PROTOCOL §7).
 */
import { toHex, utf8 } from '../crypto/bytes.js';
import { systemRandom, type RandomSource } from '../crypto/random.js';
import { isSecureChatError, localError } from '../errors.js';
import { listLocalUsers, userDir } from '../identity/home.js';
import { formatAddress } from '../identity/index.js';
import { MAX_ID_TEXT_BYTES } from '../limits.js';
import { snippet } from './announce.js';
import { explain } from './errors-text.js';
import { SILENT, type Reporter } from './host.js';
import type { Feed } from './listening.js';
import { NoReceipt, PasswordNeeded } from './messenger.js';
import * as box from './outbox.js';
import { OutboxFile } from './outbox-store.js';
import type { DeliveryRoute } from './outbox-route.js';
import type { Target } from './target.js';
import { realTimers, type TimerHandle, type Timers } from '../transport/timers.js';

export interface OutboxRunnerOptions {
  readonly home: string;
  readonly route: DeliveryRoute;
  /** Where what happens to a user's outbox is told (the agent's event stream). */
  readonly feed: (user: string) => Feed;
  readonly now?: () => number;
  /** The retry and expiry timer (default real timers; tests inject a manual clock). `now` defaults to an injected clock, else Date.now. */
  readonly timers?: Timers;
  /** Where message ids come from (default the system CSPRNG). */
  readonly random?: RandomSource;
  /** A number in [0, 1) for the backoff's jitter. */
  readonly jitter?: () => number;
  readonly limits?: box.OutboxLimits;
  /** Called whenever the outbox may have become empty (the agent re-arms its idle exit). */
  readonly onChange?: () => void;
}

export interface SendOutcome {
  readonly messageId: string;
  readonly peer: string;
  readonly delivered: boolean;
  /** Why it was queued. */
  readonly reason?: box.AttemptError;
}

/** One queued message as `outbox` lists it. */
export interface Listed extends box.OutboxEntry {
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly delivering: boolean;
  readonly lastError?: box.AttemptError;
}

interface UserBox {
  state: box.OutboxState;
  readonly file: OutboxFile;
  /** Messages stored at the contact's relay, waiting for their receipt (memory only: after a restart they are sent again, and the relay keeps one copy). */
  readonly relayed: Set<string>;
}

/** Why a message stored at the contact's relay still waits. */
function atRelay(to: Target): box.AttemptError {
  return { code: 'RELAYED', sentence: `${to.account} cannot be reached directly; it waits at ${to.account}'s relay until their agent fetches it` };
}

type Waiter = { resolve: () => void; reject: (e: Error) => void };

/** Errors after which a message to a contact is queued: the contact cannot be reached now. */
const UNREACHABLE = new Set(['CONNECTION_REFUSED', 'CONNECTION_LOST', 'NETWORK_ERROR', 'HANDSHAKE_TIMEOUT', 'IDLE_TIMEOUT', 'RATE_LIMITED', 'TOO_MANY_CONNECTIONS', 'SESSION_CLOSED', 'TRUNCATED']);

/** Whether `e` means "not reachable now, try later" (as opposed to a refusal a retry would not change). */
export function isUnreachable(e: unknown): boolean {
  if (e instanceof NoReceipt) return true; // it left; the retry keeps its message id
  return isSecureChatError(e) && UNREACHABLE.has(e.code);
}

export class OutboxRunner {
  readonly #o: OutboxRunnerOptions;
  readonly #now: () => number;
  readonly #jitter: () => number;
  readonly #random: RandomSource;
  readonly #limits: box.OutboxLimits;
  readonly #users = new Map<string, Promise<UserBox>>();
  readonly #loaded = new Map<string, UserBox>();
  readonly #waiters = new Map<string, Waiter>();
  readonly #emptyWaiters = new Map<string, (() => void)[]>();
  readonly #timers: Timers;
  #timer: TimerHandle | undefined;
  #closed = false;

  constructor(o: OutboxRunnerOptions) {
    this.#o = o;
    this.#timers = o.timers ?? realTimers;
    // Stored times (when queued, when due) are wall-clock milliseconds, whole and comparable
    // across restarts: the real timers' clock is monotonic per process (and fractional), so it
    // is used only when a test injects its own timers.
    const injected = o.timers;
    this.#now = o.now ?? (injected === undefined ? () => Date.now() : () => injected.now());
    this.#jitter = o.jitter ?? Math.random;
    this.#random = o.random ?? systemRandom;
    this.#limits = o.limits ?? box.DEFAULT_OUTBOX_LIMITS;
  }

  /** Loads the outbox of every local user of the home and starts delivering what waits. */
  async resume(): Promise<void> {
    for (const u of await listLocalUsers(this.#o.home)) {
      try {
        await this.#user(u);
      } catch (e) {
        this.#o.feed(u).warn(`the outbox of ${u} cannot be read: ${explain(e, { established: false }).sentence}`, { event: 'error', code: isSecureChatError(e) ? e.code : 'INTERNAL', message: 'outbox unreadable' });
      }
    }
    this.#tick();
  }

  /** True while any loaded outbox holds a message (the agent stays up). */
  get pending(): boolean {
    for (const u of this.#loaded.values()) if (u.state.entries.length > 0) return true;
    return false;
  }

  /** How many messages wait per local user (those with an empty outbox are left out). */
  counts(): { readonly user: string; readonly waiting: number }[] {
    return [...this.#loaded].flatMap(([user, u]) => (u.state.entries.length === 0 ? [] : [{ user, waiting: u.state.entries.length }]));
  }

  /**
   * Sends `text` from `as` to the contact `to`: at once when nothing waits for that contact,
   * else queued behind what waits. Resolves with `delivered` true once the receipt arrived,
   * false once it is queued (with `wait`, only once it is delivered). Refusals a retry would
   * not change (a changed key, not a contact any more, the password needed) are thrown.
   */
  async send(as: string, to: Target, text: string, report: Reporter, wait: boolean): Promise<SendOutcome> {
    if (text === '') throw localError('USAGE', 'the message is empty');
    if (utf8(text).length > MAX_ID_TEXT_BYTES) throw localError('USAGE', `a message can be at most ${MAX_ID_TEXT_BYTES} bytes`);
    const u = await this.#user(as);
    const entry: box.OutboxEntry = { id: toHex(this.#random(16)), to, text, queuedAt: this.#now() };
    const q = u.state.queues.get(to.account);
    let reason: box.AttemptError | undefined;
    if (q === undefined && box.queued(u.state, to.account).length === 0) {
      try {
        if ((await this.#deliverOnce(as, entry, report)) === 'relayed') {
          reason = atRelay(to);
          u.relayed.add(entry.id);
        } else return { messageId: entry.id, peer: to.account, delivered: true };
      } catch (e) {
        if (!isUnreachable(e)) throw e;
        reason = this.#why(e, to);
      }
    }
    const delivery = wait ? this.#waitFor(entry.id) : undefined;
    try {
      u.state = box.enqueue(u.state, entry, this.#now(), this.#limits, reason === undefined ? undefined : { error: reason, jitter: this.#jitter() });
      await u.file.save(u.state.entries);
    } catch (e) {
      u.state = box.cancel(u.state, entry.id) ?? u.state;
      this.#waiters.delete(entry.id);
      throw e;
    }
    const why = reason === undefined ? `other messages to ${to.account} are waiting` : reason.sentence;
    const line = `queued for ${to.account} (${why}); your agent delivers it when ${to.account} can be reached, for up to ${Math.round(this.#limits.expiryMs / 86_400_000)} days (\`securechat outbox\` lists what waits)`;
    const fact = { event: 'queued', to: to.account, messageId: entry.id, ...(reason === undefined ? {} : { code: reason.code }) };
    report.status(line, fact);
    this.#o.feed(as).status(`${as}: ${line}`, fact);
    this.#o.onChange?.();
    this.#tick();
    if (delivery !== undefined) {
      await delivery;
      return { messageId: entry.id, peer: to.account, delivered: true, ...(reason === undefined ? {} : { reason }) };
    }
    return { messageId: entry.id, peer: to.account, delivered: false, ...(reason === undefined ? {} : { reason }) };
  }

  /** What waits in `as`'s outbox, in order. */
  async list(as: string): Promise<Listed[]> {
    const u = await this.#user(as);
    return u.state.entries.map((e) => {
      const q = u.state.queues.get(e.to.account);
      return { ...e, attempts: q?.attempts ?? 0, nextAttemptAt: q?.nextAt ?? this.#now(), delivering: q?.delivering ?? false, ...(q?.lastError === undefined ? {} : { lastError: q.lastError }) };
    });
  }

  /** Removes message `id` (or its unique prefix) from `as`'s outbox; false when none matches. One being delivered right now may still arrive. */
  async cancel(as: string, id: string): Promise<boolean> {
    const u = await this.#user(as);
    const matches = u.state.entries.filter((e) => e.id.startsWith(id.toLowerCase()));
    if (matches.length !== 1 || id.length < 4) return false;
    const e = matches[0];
    if (e === undefined) return false;
    const next = box.cancel(u.state, e.id);
    if (next === null) return false;
    u.state = next;
    await u.file.save(u.state.entries);
    this.#settle(as, e.id, localError('CANCELLED', 'the message was cancelled before it was delivered'));
    this.#o.onChange?.();
    return true;
  }

  /** The receipt for `as`'s message `id` came back through the relay (src/app/relay-mailbox.ts): it leaves the outbox. */
  receipted(as: string, id: string): void {
    void this.#user(as).then((u) => {
      if (!u.state.entries.some((x) => x.id === id)) return;
      const h = u.state.entries.find((x) => x.id === id);
      u.state = box.delivered(u.state, id);
      u.relayed.delete(id);
      if (h !== undefined) this.#o.feed(as).status(`delivered the queued message to ${h.to.account} (through the relay): "${snippet(h.text)}"`, { event: 'delivered', to: h.to.account, messageId: id, via: 'relay' });
      void u.file.save(u.state.entries).catch(() => undefined);
      this.#settle(as, id);
      this.#o.onChange?.();
      this.#tick();
    }, () => undefined);
  }

  /** `peer` connected to local user `as`: what waits for them goes now. */
  kick(as: string, peer: string): void {
    const u = this.#loaded.get(as);
    if (u === undefined || !u.state.queues.has(peer)) return;
    u.state = box.kick(u.state, peer, this.#now());
    this.#tick();
  }

  /** Resolves when `as`'s outbox is empty. */
  async waitEmpty(as: string): Promise<void> {
    const u = await this.#user(as);
    if (u.state.entries.length === 0) return;
    await new Promise<void>((resolve) => {
      const list = this.#emptyWaiters.get(as) ?? [];
      list.push(resolve);
      this.#emptyWaiters.set(as, list);
    });
  }

  /** Stops the timers (the stored outbox stays for the next agent). */
  close(): void {
    this.#closed = true;
    this.#timer?.cancel();
    for (const w of this.#waiters.values()) w.reject(localError('CANCELLED', 'the agent is stopping; the message stays queued'));
    this.#waiters.clear();
  }

  #why(e: unknown, to: Target): box.AttemptError {
    const inner = e instanceof NoReceipt ? e.error : e;
    const x = explain(inner, { established: false, peer: to.account, address: formatAddress(to.host, to.port) });
    return { code: x.code, sentence: x.sentence };
  }

  #user(as: string): Promise<UserBox> {
    let p = this.#users.get(as);
    if (p === undefined) {
      const file = new OutboxFile(userDir(this.#o.home, as));
      p = file.load().then((entries) => {
        const now = this.#now();
        const u: UserBox = { state: box.restore(entries, now), file, relayed: new Set() };
        this.#loaded.set(as, u);
        return u;
      });
      p.catch(() => this.#users.delete(as));
      this.#users.set(as, p);
    }
    return p;
  }

  #waitFor(id: string): Promise<void> {
    return new Promise<void>((resolve, reject) => this.#waiters.set(id, { resolve, reject }));
  }

  #settle(as: string, id: string, error?: Error): void {
    const w = this.#waiters.get(id);
    this.#waiters.delete(id);
    if (w !== undefined) {
      if (error === undefined) w.resolve();
      else w.reject(error);
    }
    const u = this.#loaded.get(as);
    if (u !== undefined && u.state.entries.length === 0) {
      for (const r of this.#emptyWaiters.get(as) ?? []) r();
      this.#emptyWaiters.delete(as);
    }
  }

  async #deliverOnce(as: string, e: box.OutboxEntry, report: Reporter): Promise<void | 'relayed'> {
    const s = await this.#o.route.open(as, e.to, report);
    try {
      return await s.deliver(e);
    } finally {
      await s.close().catch(() => undefined);
    }
  }

  /** Expires what is too old, starts every due queue, and sets the timer for the next due time. */
  #tick(): void {
    if (this.#closed) return;
    this.#timer?.cancel();
    this.#timer = undefined;
    const now = this.#now();
    let wake: number | undefined;
    for (const [as, u] of this.#loaded) {
      const r = box.expire(u.state, now, this.#limits);
      if (r.expired.length > 0) {
        u.state = r.state;
        void u.file.save(u.state.entries).catch(() => undefined);
        for (const e of r.expired) {
          this.#o.feed(as).warn(`a message to ${e.to.account} expired undelivered and was dropped: "${snippet(e.text)}"`, { event: 'expired', to: e.to.account, messageId: e.id });
          this.#settle(as, e.id, localError('NETWORK_ERROR', `${e.to.account} could not be reached before the message expired`));
        }
        this.#o.onChange?.();
      }
      for (const account of box.due(u.state, now)) void this.#drain(as, u, account);
      const w = box.nextWake(u.state, this.#limits);
      if (w !== undefined && (wake === undefined || w < wake)) wake = w;
    }
    if (wake !== undefined) {
      this.#timer = this.#timers.after(Math.max(0, Math.min(wake - now, 2 ** 31 - 1)), () => this.#tick());
    }
  }

  /** Delivers `account`'s queue in order, one message at a time, until it is empty or an attempt fails. */
  async #drain(as: string, u: UserBox, account: string): Promise<void> {
    u.state = box.start(u.state, account);
    let session: Awaited<ReturnType<DeliveryRoute['open']>> | undefined;
    let sentTo: Target | undefined;
    // What was left at the relay before is sent again (directly if the contact is back; the relay keeps one copy).
    for (const e of box.queued(u.state, account)) u.relayed.delete(e.id);
    let lastTo: Target | undefined;
    try {
      for (;;) {
        if (this.#closed) break;
        const h = box.queued(u.state, account).find((x) => !u.relayed.has(x.id));
        if (h === undefined) break;
        lastTo = h.to;
        if (session === undefined || sentTo === undefined || sentTo.host !== h.to.host || sentTo.port !== h.to.port) {
          await session?.close().catch(() => undefined);
          session = undefined;
          session = await this.#o.route.open(as, h.to, SILENT);
          sentTo = h.to;
        }
        if ((await session.deliver(h)) === 'relayed') {
          u.relayed.add(h.id);
          this.#o.feed(as).status(`left the queued message at ${account}'s relay: "${snippet(h.text)}"`, { event: 'relayed', to: account, messageId: h.id });
          continue;
        }
        u.state = box.delivered(u.state, h.id);
        this.#o.feed(as).status(`delivered the queued message to ${account}: "${snippet(h.text)}"`, { event: 'delivered', to: account, messageId: h.id });
        // Stored after telling: a crash before the save re-sends it, and the receiver answers the retry without showing it twice.
        await u.file.save(u.state.entries).catch(() => undefined);
        this.#settle(as, h.id);
      }
      const left = box.queued(u.state, account);
      // Everything left waits at the relay for its receipt: look again after the backoff.
      if (left.length > 0 && !this.#closed && left.every((x) => u.relayed.has(x.id))) u.state = box.failed(u.state, account, this.#now(), atRelay(lastTo ?? left[0]?.to ?? { account, host: '?', port: 1 }), this.#jitter(), this.#limits);
      else u.state = box.finished(u.state, account, this.#now());
    } catch (e) {
      const h = box.head(u.state, account);
      const to = h?.to ?? { account, host: '?', port: 1 };
      const why = e instanceof PasswordNeeded ? { code: 'PASSWORD_NEEDED', sentence: `${account} did not accept the reconnect by keys; send to ${account} once with the password (\`securechat send --to ${account}\`)` } : this.#why(e, to);
      u.state = box.failed(u.state, account, this.#now(), why, this.#jitter(), this.#limits);
      const q = u.state.queues.get(account);
      const left = box.queued(u.state, account).length;
      const inS = q === undefined ? 0 : Math.max(0, Math.round((q.nextAt - this.#now()) / 1000));
      this.#o.feed(as).status(`${left} message${left === 1 ? '' : 's'} to ${account} still wait (${why.sentence}); next try in ${inS} s`, { event: 'outbox-retry', to: account, waiting: left, code: why.code, nextAttemptAt: new Date(q?.nextAt ?? this.#now()).toISOString() });
    } finally {
      await session?.close().catch(() => undefined);
      this.#o.onChange?.();
      this.#tick();
    }
  }
}
