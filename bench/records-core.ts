/**
 * Record throughput for `npm run bench`: seal + open through two Sessions in one process
 * (single core), no I/O. Timing lives here, never in a pass/fail test.
 */
import { performance } from 'node:perf_hooks';
import { ALL_SUITE_IDS, type SuiteId } from '../src/crypto/aead.js';
import type { RandomSource } from '../src/crypto/random.js';
import { systemRandom } from '../src/crypto/random.js';
import { localError } from '../src/errors.js';
import { decodeOneFrame } from '../src/wire/frame.js';
import { Session } from '../src/session/session.js';

export interface BenchResult {
  readonly suite: SuiteId;
  readonly size: number;
  readonly count: number;
  readonly seconds: number;
  /** Application bytes per second through seal and open, in MB/s (10^6 bytes). */
  readonly mbPerSecond: number;
}

/** Sends `count` APP records of `size` bytes from one Session to another and returns MB/s. */
export function benchRecords(suite: SuiteId, size: number, count: number, random: RandomSource = systemRandom): BenchResult {
  const keys = () => ({ root: random(32), i2r: random(32), r2i: random(32) });
  const k = keys();
  const base = { version: 1, suite, peer: { name: 'bench', identityKey: new Uint8Array(32) }, sessionId: new Uint8Array(16), transcriptHash: new Uint8Array(32) };
  const a = Session.fromHandshake({ ...base, role: 'initiator', root: k.root.slice(), chainI2R: k.i2r.slice(), chainR2I: k.r2i.slice() });
  const b = Session.fromHandshake({ ...base, role: 'responder', root: k.root, chainI2R: k.i2r, chainR2I: k.r2i });
  const data = random(size);
  /** One APP record from a to b; rekeys (every REKEY_AFTER_RECORDS) run in-line, as in real use. */
  const one = (): number => {
    let got = 0;
    const toB = a.sendApp(data, 0, random);
    while (toB.length > 0) {
      const toA: Uint8Array[] = [];
      for (const f of toB.splice(0)) {
        const res = b.receive(decodeOneFrame(f), 0, random);
        for (const x of res.app) got += x.length;
        toA.push(...res.send);
      }
      for (const g of toA) toB.push(...a.receive(decodeOneFrame(g), 0, random).send);
    }
    return got;
  };
  // Warm-up (JIT, OpenSSL contexts), not counted.
  for (let n = 0; n < Math.min(50, count); n++) one();
  const t0 = performance.now();
  let bytes = 0;
  for (let n = 0; n < count; n++) bytes += one();
  const seconds = (performance.now() - t0) / 1000;
  if (bytes !== size * count) throw localError('INTERNAL', 'benchmark lost data');
  return { suite, size, count, seconds, mbPerSecond: bytes / 1e6 / seconds };
}

export const BENCH_SUITES: readonly SuiteId[] = ALL_SUITE_IDS;
export const BENCH_SIZES: readonly number[] = [1024, 16 * 1024, 64 * 1024];
