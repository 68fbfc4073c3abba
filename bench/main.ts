/**
 * `npm run bench`: SecureChat against raw TCP, node:tls (TLS 1.3) and secret-stream, in the
 * same run on the same loopback. Prints a table; `--json [FILE]` also writes the result
 * (default bench-results/latest.json); `--quick` is a fast smoke run.
 * Timing lives here and never in a pass/fail test.
 */
import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import { FULL, QUICK } from './budget.js';
import { killAll } from './proc.js';
import { makeCert } from './references.js';
import { handshakeSection, startServers } from './handshake.js';
import { messagesSection } from './messages.js';
import { coldSendSection, coldStartSection, sessionsSection } from './scale.js';
import { logSection } from './log.js';
import { durableSection } from './durable.js';
import { groupsSection } from './groups.js';
import { relaySection } from './relay.js';
import { directReceiptMs, offlineSection } from './relay-offline.js';
import { filesSection } from './files.js';
import { table, writeJson, fmt, type Figure, type Goal } from './report.js';

interface Args {
  quick: boolean;
  json: string | null;
  only: string | null;
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { quick: false, json: null, only: null };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    if (x === '--quick') a.quick = true;
    else if (x === '--json') {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        a.json = next;
        i++;
      } else a.json = 'bench-results/latest.json';
    } else if (x === '--only') {
      a.only = argv[i + 1] ?? null;
      i++;
    } else {
      process.stderr.write(`bench: unknown option ${String(x)}\nusage: node dist/bench/main.js [--quick] [--json [FILE]] [--only handshake|messages|durable|scale|send|log|groups|relay|files]\n`);
      process.exit(2);
    }
  }
  return a;
}

function machine(): Record<string, unknown> {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1] !== undefined) model = m[1].trim();
  } catch {
    // not Linux: os.cpus() is good enough
  }
  return { nproc: cpus().length, cpu: model, node: process.version, platform: `${process.platform} ${process.arch}` };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const b = args.quick ? QUICK : FULL;
  const want = (s: string): boolean => args.only === null || args.only === s;
  const started = performance.now();
  const timings: Record<string, number> = {};
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    process.stderr.write(`bench: ${name}...\n`);
    const r = await fn();
    timings[name] = (performance.now() - t0) / 1000;
    process.stderr.write(`bench: ${name} done in ${timings[name]?.toFixed(1)} s\n`);
    return r;
  };
  const cert = makeCert();
  const figs: Figure[] = [];
  const goals: Goal[] = [];
  const servers = await startServers(cert);
  let directMs: number[] = [];
  try {
    // The direct reference of the relay section's offline latency needs the chat listener.
    if (want('relay')) directMs = await directReceiptMs(servers, args.quick ? 20 : 100);
    if (want('handshake')) {
      const h = await step('handshake', () => handshakeSection(b, cert, servers));
      figs.push(...h);
      const shares = h.filter((f) => f.name.startsWith('listener share'));
      goals.push({
        text: "the listener's share of a handshake ≥ node:tls handshakes/s (per server CPU-second)",
        pass: shares.length > 0 && shares.every((f) => f.goal?.pass === true),
        evidence: shares.map((f) => `${f.name.replace(/.*, /, '')}: ${fmt(f.value.median)} vs ${fmt(f.references[0]?.value.median ?? Number.NaN)}`).join('; '),
      });
    }
    if (want('messages')) {
      const m = await step('messages', () => messagesSection(b, cert, servers));
      figs.push(...m.figs);
      goals.push({
        text: 'per-message latency ≤ 1.3× raw TCP (p50 round trip, TLS\'s level)',
        pass: m.rttP50.median <= 1.3 * m.tcpP50.median,
        evidence: `${fmt(m.rttP50.median)} ms vs tcp ${fmt(m.tcpP50.median)} ms = ×${fmt(m.rttP50.median / m.tcpP50.median)}`,
      });
      for (const [text, rows, want] of [
        ['bulk throughput, default suite ≥ 1.0× node:tls at every size', m.bulk.filter((x) => x.isDefault), 1.0],
        ['bulk throughput, the other suites ≥ 0.8× node:tls', m.bulk.filter((x) => !x.isDefault), 0.8],
      ] as const) {
        const worst = [...rows].sort((x, y) => x.mbps / x.tls - y.mbps / y.tls)[0];
        goals.push({
          text,
          pass: rows.every((x) => x.mbps >= want * x.tls),
          evidence: `${rows.filter((x) => x.mbps >= want * x.tls).length}/${rows.length} pass; worst ${worst?.suite ?? ''} ${((worst?.size ?? 0) / 1024).toFixed(0)} KiB ×${fmt((worst?.mbps ?? Number.NaN) / (worst?.tls ?? Number.NaN))}`,
        });
      }
    }
  } finally {
    await servers.scTest.stop();
    await servers.refs.stop();
  }
  if (want('durable')) {
    const d = await step('durable', () => durableSection(b));
    figs.push(...d.figs);
    goals.push({
      text: 'message → receipt through the durable log ≤ 1.5× a tcp echo that appends + fdatasyncs (back to back, p50)',
      pass: d.ratio <= 1.5,
      evidence: `×${fmt(d.ratio)}`,
    });
    goals.push({ text: 'durable messages per second, one conversation ≥ 10,000/s', pass: d.rate >= 10_000, evidence: `${fmt(d.rate)}/s` });
  }
  if (want('scale')) {
    const s = await step('scale: idle sessions', () => sessionsSection(b));
    figs.push(...s.figs);
    goals.push({
      text: '10,000 idle sessions < 128 MiB (listener RSS growth)',
      pass: s.totalMiB < 128 && s.n >= 10_000,
      ...(s.n < 10_000 ? { skipped: true } : {}),
      evidence: s.n < 10_000 ? `not judged: only ${s.n} sessions measured (${fmt(s.totalMiB)} MiB extrapolated; fixed costs dominate)` : `${fmt(s.totalMiB)} MiB`,
    });
    figs.push(...(await step('scale: CLI cold start', () => coldStartSection(b))));
  }
  if (want('scale') || args.only === 'send') figs.push(...(await step('scale: cold send to a contact', () => coldSendSection(b))));
  if (want('log')) figs.push(...(await step('log', () => logSection(b))));
  if (want('groups')) figs.push(...(await step('groups', () => groupsSection(b.quick))));
  if (want('relay')) figs.push(...(await step('relay', () => relaySection(b.quick))));
  if (want('relay')) figs.push(...(await step('relay: offline delivery latency', () => offlineSection(b.quick, directMs))));
  if (want('files')) figs.push(...(await step('files', () => filesSection(b))));

  const total = (performance.now() - started) / 1000;
  const m = machine();
  process.stdout.write(`SecureChat bench${b.quick ? ' (--quick: smoke run, small samples)' : ''} — ${String(m['cpu'])}, ${String(m['nproc'])} cores, node ${String(m['node'])}; ${total.toFixed(0)} s\n`);
  process.stdout.write('ratios are SecureChat ÷ reference (medians); latencies: lower is better, rates: higher is better\n\n');
  process.stdout.write(table(figs, goals) + '\n');
  const notes = figs.filter((f) => f.note !== undefined);
  if (notes.length > 0) process.stdout.write('\n## notes\n' + notes.map((f) => `${f.name}: ${f.note ?? ''}`).join('\n') + '\n');
  if (args.json !== null) {
    writeJson(args.json, { date: new Date().toISOString(), quick: b.quick, machine: m, seconds: total, sectionSeconds: timings, goals, figures: figs });
    process.stderr.write(`bench: wrote ${args.json}\n`);
  }
}

main().then(
  () => {
    killAll();
    process.exit(0);
  },
  (e: unknown) => {
    process.stderr.write(`bench: failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    killAll();
    process.exit(1);
  },
);
