/**
 * Who may start a handshake (docs/SECURITY.md "Listener limits"), decided at accept, before
 * any work: the shape of OpenSSH's `MaxStartups start:rate:full`, `PerSourceMaxStartups` and
 * `PerSourcePenalties`.
 *
 * - at most `perSource` unfinished handshakes per source (an IPv4 address or an IPv6 /64);
 * - at most `full` unfinished handshakes in all; from `start` on, a new one is dropped with a
 *   probability rising linearly from `rate` to 1 at `full` (random early drop), so no single
 *   flood can make the refusal deterministic for everyone else;
 * - penalties: a source whose handshake timed out or that sent garbage accumulates penalty
 *   time; while its penalty exceeds `penaltyMinMs` every new connection from it is refused at
 *   once. Penalties decay with time and are capped at `penaltyMaxMs`.
 *
 * - eviction (issue 10, F3): when the global cap or early drop would refuse a newcomer and the
 *   caller has a *silent* handshake to give up (one whose first frame has not arrived, held
 *   long enough: the server decides which), the newcomer is admitted in its place. Without it,
 *   sources closing each silent connection just before the first-frame deadline and opening
 *   the next kept every slot full for everyone.
 *
 * Pure: the clock and the random draw are parameters. Memory is bounded: at most `maxSources`
 * penalised sources are remembered (the oldest forgotten first); pending counts exist only for
 * sources with a handshake in progress, of which there are at most `full`.
 */
import {
  EARLY_DROP_RATE, EARLY_DROP_START, MAX_PENDING_HANDSHAKES, MAX_PENDING_PER_SOURCE, MAX_TRACKED_SOURCES,
  PENALTY_ABANDONED_MS, PENALTY_GARBAGE_MS, PENALTY_MAX_MS, PENALTY_MIN_MS, PENALTY_TIMEOUT_MS,
} from '../limits.js';

export interface AdmissionOptions {
  readonly full?: number;
  readonly start?: number;
  /** Drop probability at `start`, in [0, 1]. */
  readonly rate?: number;
  readonly perSource?: number;
  readonly penaltyTimeoutMs?: number;
  readonly penaltyGarbageMs?: number;
  readonly penaltyAbandonedMs?: number;
  readonly penaltyMinMs?: number;
  readonly penaltyMaxMs?: number;
  readonly maxSources?: number;
  /** A uniform draw in [0, 1); default Math.random (not a secret: it only spreads refusals). */
  readonly random?: () => number;
}

export type AdmitVerdict =
  /** `evict`: admitted in place of a silent handshake, which the caller must end now (outcome `evicted`). */
  | { readonly ok: true; readonly evict?: true }
  | { readonly ok: false; readonly by: 'source' | 'full' | 'early-drop' | 'penalty' };

/**
 * How an admitted handshake ended, for penalties. `abandoned`: the peer left before the
 * handshake completed (OpenSSH's PerSourcePenalties `noauth`); without a penalty for it a
 * source could hold its slots for free, closing each just before the first-frame deadline.
 */
export type HandshakeOutcome = 'completed' | 'failed' | 'timeout' | 'garbage' | 'abandoned' | 'evicted';

export interface AdmissionStats {
  readonly pending: number;
  readonly pendingSources: number;
  readonly penalisedSources: number;
  /** Newcomers admitted in place of a silent handshake (F3). */
  readonly evicted: number;
  readonly refused: Readonly<Record<'source' | 'full' | 'early-drop' | 'penalty', number>>;
}

export class Admission {
  readonly #full: number;
  readonly #start: number;
  readonly #rate: number;
  readonly #perSource: number;
  readonly #penalty: { readonly timeout: number; readonly garbage: number; readonly abandoned: number; readonly min: number; readonly max: number };
  readonly #maxSources: number;
  readonly #random: () => number;
  readonly #pending = new Map<string, number>();
  /** Source → time its penalty runs out; Map order is "least recently penalised first". */
  readonly #penalties = new Map<string, number>();
  #total = 0;
  #evicted = 0;
  readonly #refused = { source: 0, full: 0, 'early-drop': 0, penalty: 0 };

  constructor(o: AdmissionOptions = {}) {
    this.#full = o.full ?? MAX_PENDING_HANDSHAKES;
    this.#start = Math.min(o.start ?? EARLY_DROP_START, this.#full);
    this.#rate = o.rate ?? EARLY_DROP_RATE;
    this.#perSource = o.perSource ?? MAX_PENDING_PER_SOURCE;
    this.#penalty = {
      timeout: o.penaltyTimeoutMs ?? PENALTY_TIMEOUT_MS,
      garbage: o.penaltyGarbageMs ?? PENALTY_GARBAGE_MS,
      abandoned: o.penaltyAbandonedMs ?? PENALTY_ABANDONED_MS,
      min: o.penaltyMinMs ?? PENALTY_MIN_MS,
      max: o.penaltyMaxMs ?? PENALTY_MAX_MS,
    };
    this.#maxSources = o.maxSources ?? MAX_TRACKED_SOURCES;
    this.#random = o.random ?? Math.random;
  }

  /**
   * May `source` start a handshake now? On `ok` the caller must call `release` exactly once.
   * `canEvict`: the caller holds a silent handshake it may end to make room; then a newcomer
   * the global cap or early drop would refuse is admitted with `evict` (never past the
   * per-source cap or a penalty).
   */
  admit(source: string, now: number, canEvict = false): AdmitVerdict {
    const until = this.#penalties.get(source);
    if (until !== undefined) {
      if (until - now > this.#penalty.min) return this.#refuse('penalty');
      if (until <= now) this.#penalties.delete(source);
    }
    if ((this.#pending.get(source) ?? 0) >= this.#perSource) return this.#refuse('source');
    let by: 'full' | 'early-drop' | null = null;
    if (this.#total >= this.#full) by = 'full';
    else if (this.#total >= this.#start) {
      const span = this.#full - this.#start;
      const p = span <= 0 ? 1 : this.#rate + ((1 - this.#rate) * (this.#total - this.#start)) / span;
      if (this.#random() < p) by = 'early-drop';
    }
    if (by !== null && !canEvict) return this.#refuse(by);
    this.#total++;
    this.#pending.set(source, (this.#pending.get(source) ?? 0) + 1);
    if (by === null) return { ok: true };
    this.#evicted++;
    return { ok: true, evict: true };
  }

  /** An admitted handshake ended; timeouts, garbage and abandoned handshakes add penalty time to its source. */
  release(source: string, outcome: HandshakeOutcome, now: number): void {
    const n = this.#pending.get(source) ?? 0;
    if (n > 0) {
      this.#total--;
      if (n === 1) this.#pending.delete(source);
      else this.#pending.set(source, n - 1);
    }
    if (outcome === 'timeout') this.penalise(source, this.#penalty.timeout, now);
    else if (outcome === 'garbage') this.penalise(source, this.#penalty.garbage, now);
    else if (outcome === 'abandoned') this.penalise(source, this.#penalty.abandoned, now);
    // 'evicted' is not penalised: the victim may be a slow legitimate client (issue 10 review).
  }

  /** Whether `source` carries penalty time now (the server evicts its silent handshakes first). */
  isPenalised(source: string, now: number): boolean {
    return (this.#penalties.get(source) ?? 0) > now;
  }

  /** Adds `ms` of penalty to `source` (from now, or from its current penalty's end). */
  penalise(source: string, ms: number, now: number): void {
    const current = Math.max(now, this.#penalties.get(source) ?? now);
    const until = Math.min(current + ms, now + this.#penalty.max);
    this.#penalties.delete(source);
    this.#penalties.set(source, until);
    while (this.#penalties.size > this.#maxSources) {
      const oldest = this.#penalties.keys().next();
      if (oldest.done === true) break;
      this.#penalties.delete(oldest.value);
    }
  }

  stats(): AdmissionStats {
    return { pending: this.#total, pendingSources: this.#pending.size, penalisedSources: this.#penalties.size, evicted: this.#evicted, refused: { ...this.#refused } };
  }

  #refuse(by: 'source' | 'full' | 'early-drop' | 'penalty'): AdmitVerdict {
    this.#refused[by]++;
    return { ok: false, by };
  }
}
