/**
 * Failed-attempt limiter (docs/PROTOCOL.md §4.8): counts failed authentications per source
 * address and per account in a sliding window, and answers before any expensive work.
 *
 * Pure: the clock is a parameter. Memory is bounded: at most `maxKeys` addresses and accounts
 * are tracked; the least recently failed ones are forgotten first (an attacker who floods
 * addresses can at worst make us forget old failures, never grow memory).
 */
import { FAILURE_WINDOW_MS, MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS } from '../limits.js';

export interface LimiterOptions {
  readonly perAddress?: number;
  readonly perAccount?: number;
  readonly windowMs?: number;
  readonly maxKeys?: number;
}

export type LimitVerdict = { readonly ok: true } | { readonly ok: false; readonly by: 'address' | 'account' };

class WindowCounter {
  readonly #times = new Map<string, number[]>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  count(key: string, now: number, windowMs: number): number {
    const t = this.#times.get(key);
    if (t === undefined) return 0;
    const fresh = t.filter((x) => now - x < windowMs);
    if (fresh.length === 0) this.#times.delete(key);
    else this.#times.set(key, fresh);
    return fresh.length;
  }

  add(key: string, now: number, keep: number): void {
    const t = this.#times.get(key) ?? [];
    t.push(now);
    if (t.length > keep) t.splice(0, t.length - keep);
    // Re-insert so Map order is "least recently failed first".
    this.#times.delete(key);
    this.#times.set(key, t);
    while (this.#times.size > this.#max) {
      const oldest = this.#times.keys().next();
      if (oldest.done === true) break;
      this.#times.delete(oldest.value);
    }
  }

  get size(): number {
    return this.#times.size;
  }
}

export class FailureLimiter {
  readonly #perAddress: number;
  readonly #perAccount: number;
  readonly #windowMs: number;
  readonly #byAddress: WindowCounter;
  readonly #byAccount: WindowCounter;
  #refused = 0;
  #failures = 0;

  constructor(opts: LimiterOptions = {}) {
    this.#perAddress = opts.perAddress ?? MAX_FAILURES_PER_ADDRESS;
    this.#perAccount = opts.perAccount ?? MAX_FAILURES_PER_ACCOUNT;
    this.#windowMs = opts.windowMs ?? FAILURE_WINDOW_MS;
    const maxKeys = opts.maxKeys ?? 10_000;
    this.#byAddress = new WindowCounter(maxKeys);
    this.#byAccount = new WindowCounter(maxKeys);
  }

  /** May a handshake from `address` for `account` proceed now? Counts refusals. */
  check(address: string, account: string, now: number): LimitVerdict {
    if (this.#byAddress.count(address, now, this.#windowMs) >= this.#perAddress) {
      this.#refused++;
      return { ok: false, by: 'address' };
    }
    if (this.#byAccount.count(account, now, this.#windowMs) >= this.#perAccount) {
      this.#refused++;
      return { ok: false, by: 'account' };
    }
    return { ok: true };
  }

  /** A handshake that reached ServerHello did not complete. */
  recordFailure(address: string, account: string, now: number): void {
    this.#failures++;
    this.#byAddress.add(address, now, this.#perAddress);
    this.#byAccount.add(account, now, this.#perAccount);
  }

  stats(): { failures: number; refused: number; trackedAddresses: number; trackedAccounts: number } {
    return { failures: this.#failures, refused: this.#refused, trackedAddresses: this.#byAddress.size, trackedAccounts: this.#byAccount.size };
  }
}
