/**
 * Micro-benchmark of the record layer alone (no I/O): seal + frame + decode + open through two
 * Sessions in one process, per suite and size. Not part of `npm run bench`'s table.
 *   npm run build && node dist/bench/records.js [count-scale]
 */
import { BENCH_SUITES, benchRecords } from './records-core.js';
import { SUITE_NAMES } from '../src/crypto/aead.js';

const scale = Number(process.argv[2] ?? '1');
for (const suite of BENCH_SUITES) {
  for (const size of [100, 1024, 16 * 1024, 64 * 1024]) {
    const count = Math.max(100, Math.round((size >= 16 * 1024 ? 3_000 : 20_000) * scale));
    const r = benchRecords(suite, size, count);
    const us = (r.seconds * 1e6) / r.count;
    process.stdout.write(`${SUITE_NAMES[suite].padEnd(24)} ${String(size).padStart(6)} B  ${r.mbPerSecond.toFixed(1).padStart(7)} MB/s  ${us.toFixed(1).padStart(7)} µs/record (seal+open)\n`);
  }
}
