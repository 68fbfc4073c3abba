/**
 * Message figures, between this process (the client) and the listener's process over
 * loopback TCP: the chat round trip for 100-byte messages (send → peer receives → receipt
 * back) against an echo round trip on each reference, and bulk throughput per suite and size
 * through the transport (record layer, no chat framing) against each reference.
 */
import { randomBytes } from 'node:crypto';
import { DEFAULT_SUITE_IDS, SUITE_NAMES, type SuiteId } from '../src/crypto/aead.js';
import type { Budget } from './budget.js';
import type { Servers } from './handshake.js';
import { ALL_SUITES, MODE_ECHO, MODE_SINK, header, scConnect, scTransportConnect } from './peers.js';
import { REF_KINDS, refConnect, type ByteStream, type Cert, type RefKind } from './references.js';
import { quantile, summarize, type Summary } from './stats.js';
import type { Figure, Reference } from './report.js';

export const SIZES: readonly number[] = [1024, 16 * 1024, 64 * 1024];
const refName = (k: RefKind): string => (k === 'tls' ? 'tls1.3' : k);

/** Per-run p50 and p99 of `count` round trips, after a warm-up. */
async function rtts(runs: number, count: number, one: () => Promise<void>): Promise<{ p50: number[]; p99: number[] }> {
  for (let i = 0; i < Math.min(200, count); i++) await one();
  const p50: number[] = [];
  const p99: number[] = [];
  for (let r = 0; r < runs; r++) {
    const xs: number[] = [];
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      await one();
      xs.push(performance.now() - t0);
    }
    p50.push(quantile(xs, 0.5));
    p99.push(quantile(xs, 0.99));
  }
  return { p50, p99 };
}

/** Writes `b` and resolves once `n` bytes came back. */
function echoer(s: ByteStream): (b: Uint8Array) => Promise<void> {
  let want = 0;
  let wake: (() => void) | null = null;
  s.on('data', (d: Buffer) => {
    want -= d.length;
    if (want <= 0 && wake !== null) {
      const w = wake;
      wake = null;
      w();
    }
  });
  return (b) =>
    new Promise((resolve) => {
      want += b.length;
      wake = resolve;
      s.write(b);
    });
}

async function refRtt(kind: RefKind, port: number, cert: Cert, b: Budget): Promise<{ p50: number[]; p99: number[] }> {
  const s = await refConnect(kind, port, cert);
  try {
    s.write(header(MODE_ECHO, 0));
    const echo = echoer(s);
    const msg = randomBytes(100);
    return await rtts(b.rttRuns, b.rttCount, () => echo(msg));
  } finally {
    s.end();
  }
}

async function scBulk(port: number, suite: SuiteId, size: number, total: number): Promise<number> {
  const conn = await scTransportConnect(port, suite);
  if (conn.suite !== suite) throw new Error(`asked for suite ${suite}, got ${conn.suite}`);
  let ack: () => void = () => undefined;
  const acked = new Promise<void>((r) => (ack = r));
  const closed = new Promise<never>((_, reject) => {
    conn.start({ onApp: () => ack(), onClose: (e) => e !== null && reject(e) });
  });
  const buf = randomBytes(size);
  const count = Math.ceil(total / size);
  conn.sendApp(header(MODE_SINK, count * size));
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    conn.sendApp(buf);
    await conn.drained();
  }
  await Promise.race([acked, closed]);
  const seconds = (performance.now() - t0) / 1000;
  await conn.close();
  return (count * size) / 1e6 / seconds;
}

async function refBulk(kind: RefKind, port: number, cert: Cert, size: number, total: number): Promise<number> {
  const s = await refConnect(kind, port, cert);
  const acked = new Promise<void>((r) => s.on('data', () => r()));
  const buf = randomBytes(size);
  const count = Math.ceil(total / size);
  s.write(header(MODE_SINK, count * size));
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    if (!s.write(buf)) await new Promise<void>((r) => s.once('drain', r));
  }
  await acked;
  const seconds = (performance.now() - t0) / 1000;
  s.end();
  return (count * size) / 1e6 / seconds;
}

export async function messagesSection(b: Budget, cert: Cert, s: Servers): Promise<{ figs: Figure[]; rttP50: Summary; tcpP50: Summary; bulk: { suite: string; size: number; mbps: number; tls: number; isDefault: boolean }[] }> {
  const figs: Figure[] = [];
  const over = `${b.rttRuns} runs × ${b.rttCount} msgs`;

  // --- round trips ---
  const conv = await scConnect(s.chatPort);
  const text = 'm'.repeat(100);
  const sc = await rtts(b.rttRuns, b.rttCount, () => conv.waitReceipt(conv.send(text), 10_000));
  await conv.close();
  const refs: Record<RefKind, { p50: number[]; p99: number[] }> = { tcp: { p50: [], p99: [] }, tls: { p50: [], p99: [] }, 'secret-stream': { p50: [], p99: [] } };
  for (const k of REF_KINDS) refs[k] = await refRtt(k, s.refPorts[k], cert, b);
  const refList = (f: 'p50' | 'p99'): Reference[] => REF_KINDS.map((k) => ({ name: `${refName(k)} echo`, value: summarize(refs[k][f]) }));
  const rttP50 = summarize(sc.p50);
  const tcpP50 = summarize(refs.tcp.p50);
  figs.push({
    section: 'messages', name: 'round trip p50, 100-byte message → receipt (aes-256-gcm)', unit: 'ms', value: rttP50, over, higherIsBetter: false,
    references: refList('p50'), goal: { text: '≤ 1.3× raw tcp echo', pass: rttP50.median <= 1.3 * tcpP50.median },
  });
  figs.push({ section: 'messages', name: 'round trip p99, 100-byte message → receipt (aes-256-gcm)', unit: 'ms', value: summarize(sc.p99), over, higherIsBetter: false, references: refList('p99') });

  // --- bulk ---
  const bulk: { suite: string; size: number; mbps: number; tls: number; isDefault: boolean }[] = [];
  for (const size of SIZES) {
    const total = b.bulkBytes(size);
    const refVals: Record<RefKind, number[]> = { tcp: [], tls: [], 'secret-stream': [] };
    const scVals = new Map<SuiteId, number[]>(ALL_SUITES.map((x) => [x, []]));
    for (let r = 0; r < b.bulkRuns; r++) {
      for (const k of REF_KINDS) refVals[k].push(await refBulk(k, s.refPorts[k], cert, size, total));
      for (const suite of ALL_SUITES) scVals.get(suite)?.push(await scBulk(s.sinkPort, suite, size, total));
    }
    const refList2: Reference[] = REF_KINDS.map((k) => ({ name: refName(k), value: summarize(refVals[k]) }));
    const tls = summarize(refVals.tls);
    for (const suite of ALL_SUITES) {
      const v = summarize(scVals.get(suite) ?? []);
      const isDefault = suite === DEFAULT_SUITE_IDS[0];
      bulk.push({ suite: SUITE_NAMES[suite], size, mbps: v.median, tls: tls.median, isDefault });
      figs.push({
        section: 'messages', name: `bulk ${size / 1024} KiB messages, ${SUITE_NAMES[suite]}`, unit: 'MB/s', value: v,
        over: `${b.bulkRuns} runs × ${(total / 1048576).toFixed(0)} MiB`, higherIsBetter: true, references: refList2,
        goal: { text: `≥ ${isDefault ? '1.0' : '0.8'}× tls1.3`, pass: v.median >= (isDefault ? 1 : 0.8) * tls.median },
      });
    }
  }
  return { figs, rttP50, tcpP50, bulk };
}
