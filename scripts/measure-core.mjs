#!/usr/bin/env node
// In-memory, single-core figures of the v1 core (issue 2): handshake time with and without the
// key-stretching cost, and record throughput (seal + open through two Sessions) per suite and
// size. Run after `npm run build`: `node scripts/measure-core.mjs`. The full comparison with
// references is `npm run bench`.
const dist = new URL('../dist/src/', import.meta.url);
const benchDist = new URL('../dist/bench/', import.meta.url);
const { benchHandshake } = await import(new URL('handshake-core.js', benchDist).href);
const { benchRecords, BENCH_SUITES, BENCH_SIZES } = await import(new URL('records-core.js', benchDist).href);
const { KSF_DEFAULT, KSF_TEST } = await import(new URL('crypto/opaque.js', dist).href);
const { SUITE_NAMES } = await import(new URL('crypto/aead.js', dist).href);

for (const [name, ksf, n] of [['default KSF (Argon2id 64 MiB, t=3, p=4)', KSF_DEFAULT, 10], ['KSF_TEST (no key stretching)', KSF_TEST, 60]]) {
  const r = await benchHandshake(n, ksf);
  console.log(`handshake, ${name}: median ${r.medianMs.toFixed(1)} ms both sides, responder ${r.responderMedianMs.toFixed(2)} ms (${r.runs} runs)`);
}
for (const suite of BENCH_SUITES) {
  const cells = BENCH_SIZES.map((size) => {
    const r = benchRecords(suite, size, Math.max(1500, Math.floor((20 * 1024 * 1024) / size)));
    return `${size / 1024} KiB ${r.mbPerSecond.toFixed(1)} MB/s`;
  });
  console.log(`records, ${SUITE_NAMES[suite]}: ${cells.join(', ')}`);
}
