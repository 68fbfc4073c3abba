/**
 * The random source is a parameter of every pure core, so tests and vector files can fix it.
 * `systemRandom` is the only place the program reads the OS CSPRNG.
 */
import { randomBytes } from 'node:crypto';

export type RandomSource = (n: number) => Uint8Array;

export const systemRandom: RandomSource = (n) => new Uint8Array(randomBytes(n));

/**
 * A deterministic source for tests and vectors ONLY: SHA-256 in counter mode over a seed.
 * Never used by the product.
 */
export { deterministicRandom } from './_test-random.js';
