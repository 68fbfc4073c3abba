/**
 * The online-guessing budget (docs/PROTOCOL.md §4.8, docs/SECURITY.md "Online guessing"):
 * decides, right after ClientHello and before any OPAQUE work, whether a password login may be
 * evaluated, and counts it *from that moment* (an attempt in flight counts as a guess, so
 * concurrent guesses cannot race past the limit).
 *
 * - Per source (IPv4 address or IPv6 /64): failures in a sliding window plus attempts in
 *   flight never exceed `perAddress`.
 * - Per account, for sources that never logged in: a token bucket (`accountBurst` tokens, one
 *   more every `accountRefillMs`). Every attempt takes a token; a successful login gives it
 *   back. An empty bucket throttles strangers' password logins; it never locks anyone for a
 *   fixed time and nothing but time refills it.
 * - A source that logged in successfully is "known" for `knownTtlMs`: its attempts draw on a
 *   bucket of its own (`knownBurst`, `knownRefillMs`), never on the account's, so other
 *   people's wrong passwords cannot keep a contact out.
 * - Handshakes of kind 'key' (a reconnect by pinned keys, issue 12) are not password guesses:
 *   they are never charged and never refused here.
 *
 * Pure: the clock is a parameter. Memory is bounded: at most `maxKeys` sources, accounts and
 * known sources each; the least recently used are forgotten first (a flood of addresses can
 * at worst make us forget old failures, never grow memory). Account buckets are the
 * exception (issue 10, F2): forgetting a bucket that is not full would hand its account a
 * fresh burst, so only full buckets (nothing spent that time has not refilled) are ever
 * forgotten; when every tracked bucket is still refilling, a guess for a new account name is
 * refused. The listener charges every name, its own account's and made-up ones alike, to one
 * bucket (src/transport/server.ts), so made-up names never fill the table in the first place
 * and no bucket state tells the real name from a made-up one.
 */
import {
  ACCOUNT_GUESS_BURST, ACCOUNT_GUESS_REFILL_MS, FAILURE_WINDOW_MS, KNOWN_SOURCE_GUESS_BURST, KNOWN_SOURCE_GUESS_REFILL_MS,
  KNOWN_SOURCE_TTL_MS, MAX_FAILURES_PER_ADDRESS, MAX_TRACKED_SOURCES,
} from '../limits.js';

/** A password login (OPAQUE) is a guess; a reconnect by pinned keys is not. */
export type HandshakeKind = 'password' | 'key';

export interface LimiterOptions {
  readonly perAddress?: number;
  readonly windowMs?: number;
  readonly accountBurst?: number;
  readonly accountRefillMs?: number;
  readonly knownBurst?: number;
  readonly knownRefillMs?: number;
  readonly knownTtlMs?: number;
  readonly maxKeys?: number;
}

/** One admitted attempt; hand it back to `finish` exactly once. */
export interface Attempt {
  readonly source: string;
  readonly account: string;
  readonly kind: HandshakeKind;
  readonly charged: 'account' | 'known' | null;
}

export type LimitVerdict = { readonly ok: true; readonly attempt: Attempt } | { readonly ok: false; readonly by: 'address' | 'account' };

/** A bounded map whose iteration order is "least recently touched first". */
class Lru<V> {
  readonly #m = new Map<string, V>();
  constructor(readonly max: number) {}
  get(k: string): V | undefined {
    return this.#m.get(k);
  }
  set(k: string, v: V): void {
    this.#m.delete(k);
    this.#m.set(k, v);
    while (this.#m.size > this.max) {
      const oldest = this.#m.keys().next();
      if (oldest.done === true) break;
      this.#m.delete(oldest.value);
    }
  }
  delete(k: string): void {
    this.#m.delete(k);
  }
  get size(): number {
    return this.#m.size;
  }
}

/**
 * Account buckets (F2): a bounded map that forgets only buckets that are full at `now` (an
 * absent bucket means a full one, so forgetting it changes nothing); when it is full of
 * buckets still refilling, `take` refuses a new name.
 */
class BucketTable {
  readonly #m = new Map<string, Bucket>();
  constructor(readonly max: number, readonly burst: number, readonly refillMs: number) {}
  level(k: string, now: number): number {
    return level(this.#m.get(k), this.burst, this.refillMs, now);
  }
  /** Takes one token for `k`; false (nothing changed) when it has none or no room can be made for it. */
  take(k: string, now: number): boolean {
    const t = this.level(k, now);
    if (t < 1) return false;
    if (!this.#m.has(k) && this.#m.size >= this.max && !this.#forgetOneFull(now)) return false;
    this.#m.delete(k);
    this.#m.set(k, { tokens: t - 1, at: now });
    return true;
  }
  /** Gives one token back to `k` (a successful login); a bucket full again is forgotten. */
  giveBack(k: string, now: number): void {
    const t = Math.min(this.burst, this.level(k, now) + 1);
    this.#m.delete(k);
    if (t < this.burst) this.#m.set(k, { tokens: t, at: now });
  }
  get size(): number {
    return this.#m.size;
  }
  /** Forgets the least recently touched bucket that is full at `now`; false if none is. */
  #forgetOneFull(now: number): boolean {
    for (const [k, b] of this.#m) {
      if (level(b, this.burst, this.refillMs, now) >= this.burst) {
        this.#m.delete(k);
        return true;
      }
    }
    return false;
  }
}

/** Token bucket state: tokens at time `at`. */
interface Bucket {
  readonly tokens: number;
  readonly at: number;
}

function level(b: Bucket | undefined, burst: number, refillMs: number, now: number): number {
  if (b === undefined) return burst;
  return Math.min(burst, b.tokens + Math.max(0, now - b.at) / refillMs);
}

export class FailureLimiter {
  readonly #perAddress: number;
  readonly #windowMs: number;
  readonly #known: { readonly burst: number; readonly refillMs: number; readonly ttlMs: number };
  /** Source → failure times in the window. */
  readonly #failures: Lru<number[]>;
  readonly #inFlight = new Map<string, number>();
  readonly #accounts: BucketTable;
  /** Known source → its bucket and when it last logged in. */
  readonly #knownSources: Lru<Bucket & { readonly since: number }>;
  #refused = 0;
  #failed = 0;

  constructor(o: LimiterOptions = {}) {
    this.#perAddress = o.perAddress ?? MAX_FAILURES_PER_ADDRESS;
    this.#windowMs = o.windowMs ?? FAILURE_WINDOW_MS;
    this.#known = { burst: o.knownBurst ?? KNOWN_SOURCE_GUESS_BURST, refillMs: o.knownRefillMs ?? KNOWN_SOURCE_GUESS_REFILL_MS, ttlMs: o.knownTtlMs ?? KNOWN_SOURCE_TTL_MS };
    const max = o.maxKeys ?? MAX_TRACKED_SOURCES;
    this.#failures = new Lru(max);
    this.#accounts = new BucketTable(max, o.accountBurst ?? ACCOUNT_GUESS_BURST, o.accountRefillMs ?? ACCOUNT_GUESS_REFILL_MS);
    this.#knownSources = new Lru(max);
  }

  /**
   * May an attempt of `kind` from `source` for `account` be evaluated now? On `ok` it is
   * counted at once (in flight); pass the attempt to `finish` when the handshake ends.
   */
  begin(source: string, account: string, kind: HandshakeKind, now: number): LimitVerdict {
    if (kind === 'key') return { ok: true, attempt: { source, account, kind, charged: null } };
    const recent = this.#recentFailures(source, now);
    if (recent + (this.#inFlight.get(source) ?? 0) >= this.#perAddress) return this.#refuse('address');
    const known = this.#knownSources.get(source);
    const isKnown = known !== undefined && now - known.since < this.#known.ttlMs;
    if (isKnown) {
      const t = level(known, this.#known.burst, this.#known.refillMs, now);
      if (t < 1) return this.#refuse('account');
      this.#knownSources.set(source, { tokens: t - 1, at: now, since: known.since });
    } else {
      if (known !== undefined) this.#knownSources.delete(source);
      if (!this.#accounts.take(account, now)) return this.#refuse('account');
    }
    this.#inFlight.set(source, (this.#inFlight.get(source) ?? 0) + 1);
    return { ok: true, attempt: { source, account, kind, charged: isKnown ? 'known' : 'account' } };
  }

  /**
   * The attempt ended. `authenticated`: the peer proved the password (its ClientFinish
   * verified); its token is given back and its source becomes known. Otherwise it stays
   * spent and counts as a failure of its source.
   */
  finish(a: Attempt, authenticated: boolean, now: number): void {
    if (a.kind === 'key') return;
    const n = this.#inFlight.get(a.source) ?? 0;
    if (n <= 1) this.#inFlight.delete(a.source);
    else this.#inFlight.set(a.source, n - 1);
    if (authenticated) {
      if (a.charged === 'account') this.#accounts.giveBack(a.account, now);
      const k = this.#knownSources.get(a.source);
      const kt = a.charged === 'known' ? level(k, this.#known.burst, this.#known.refillMs, now) + 1 : this.#known.burst;
      this.#knownSources.set(a.source, { tokens: Math.min(this.#known.burst, kt), at: now, since: now });
      return;
    }
    this.#failed++;
    const t = this.#failures.get(a.source) ?? [];
    t.push(now);
    if (t.length > this.#perAddress) t.splice(0, t.length - this.#perAddress);
    this.#failures.set(a.source, t);
  }

  /** Whether `source` logged in successfully within the known-source lifetime. */
  isKnown(source: string, now: number): boolean {
    const k = this.#knownSources.get(source);
    return k !== undefined && now - k.since < this.#known.ttlMs;
  }

  stats(): { failures: number; refused: number; inFlight: number; trackedAddresses: number; trackedAccounts: number; knownSources: number } {
    let inFlight = 0;
    for (const v of this.#inFlight.values()) inFlight += v;
    return { failures: this.#failed, refused: this.#refused, inFlight, trackedAddresses: this.#failures.size, trackedAccounts: this.#accounts.size, knownSources: this.#knownSources.size };
  }

  #recentFailures(source: string, now: number): number {
    const t = this.#failures.get(source);
    if (t === undefined) return 0;
    const fresh = t.filter((x) => now - x < this.#windowMs);
    if (fresh.length === 0) this.#failures.delete(source);
    else if (fresh.length !== t.length) this.#failures.set(source, fresh);
    return fresh.length;
  }

  #refuse(by: 'address' | 'account'): LimitVerdict {
    this.#refused++;
    return { ok: false, by };
  }
}

/**
 * The budget these options give, for docs/SECURITY.md and the tests: guesses per account per
 * day from sources that never logged in, and per known source per day.
 */
export function guessBudgetPerDay(o: LimiterOptions = {}): { readonly strangers: number; readonly perKnownSource: number } {
  const day = 24 * 60 * 60 * 1_000;
  const aB = o.accountBurst ?? ACCOUNT_GUESS_BURST;
  const aR = o.accountRefillMs ?? ACCOUNT_GUESS_REFILL_MS;
  const kB = o.knownBurst ?? KNOWN_SOURCE_GUESS_BURST;
  const kR = o.knownRefillMs ?? KNOWN_SOURCE_GUESS_REFILL_MS;
  return { strangers: aB + Math.floor(day / aR), perKnownSource: kB + Math.floor(day / kR) };
}
