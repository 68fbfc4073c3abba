/**
 * A token bucket (pure; the clock is a parameter): `burst` tokens, refilled at `perSecond`.
 * Its zero state is full. Not safe for concurrent use (there is none in JS).
 */
export class TokenBucket {
  #tokens: number;
  #at: number;
  readonly #burst: number;
  readonly #rate: number;

  constructor(burst: number, perSecond: number, now: number) {
    this.#burst = burst;
    this.#rate = perSecond / 1000;
    this.#tokens = burst;
    this.#at = now;
  }

  /** True when the bucket is full again at `now` (forgetting it loses nothing). */
  full(now: number): boolean {
    return this.#tokens + Math.max(0, now - this.#at) * this.#rate >= this.#burst;
  }

  /** Takes one token at time `now` (ms); false when the bucket is empty. */
  take(now: number): boolean {
    if (now > this.#at) {
      this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#rate);
      this.#at = now;
    }
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
