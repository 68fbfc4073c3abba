/**
 * Handshake figures: full handshake latency over real TCP (default KSF and KSF_TEST), the
 * listener's throughput at 1/16/64 concurrent clients, and the listener's CPU per handshake,
 * each against node:tls (TLS 1.3) and secret-stream measured the same way in the same run.
 *
 * Clients run in a separate process with KSF_TEST, so their Argon2id, ML-KEM and OPAQUE work
 * does not share the listener's event loop; on 2 cores the listener gets one core, the
 * clients the other.
 */
import { benchHandshake } from './handshake-core.js';
import { benchReconnectCore } from './reconnect-core.js';
import { KSF_TEST } from '../src/crypto/opaque.js';
import type { Budget } from './budget.js';
import { Helper } from './proc.js';
import { handshakeOnce, type LoadResult, type Target } from './handshake-once.js';
import type { Cert } from './references.js';
import { quantile, summarize, type Summary } from './stats.js';
import type { Figure, Reference } from './report.js';

interface Usage {
  cpuMs: number;
  sc: { handshakesCompleted: number } | null;
  refHandshakes: Record<string, number> | null;
}

export interface Servers {
  readonly scTest: Helper;
  readonly refs: Helper;
  readonly chatPort: number;
  readonly sinkPort: number;
  readonly refPorts: Record<'tcp' | 'tls' | 'secret-stream', number>;
}

export async function startServers(cert: Cert): Promise<Servers> {
  const scTest = new Helper('securechat-listener');
  const refs = new Helper('reference-servers');
  // Room for 64 clients plus stragglers; the default cap (64) would refuse at the edge.
  const p = await scTest.call<{ chatPort: number; sinkPort: number }>('start-sc', { ksf: 'test', maxPending: 256 });
  const refPorts = await refs.call<Record<'tcp' | 'tls' | 'secret-stream', number>>('start-refs', { cert });
  return { scTest, refs, chatPort: p.chatPort, sinkPort: p.sinkPort, refPorts };
}

async function sequential(n: number, target: Target, port: number, cert: Cert): Promise<number[]> {
  await handshakeOnce(target, port, cert); // warm-up: JIT, WASM, OpenSSL contexts
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await handshakeOnce(target, port, cert);
    xs.push(performance.now() - t0);
  }
  return xs;
}

export async function handshakeSection(b: Budget, cert: Cert, s: Servers): Promise<Figure[]> {
  const figs: Figure[] = [];
  const portOf = (t: Target): number => (t === 'securechat' || t === 'reconnect' ? s.chatPort : t === 'tls-resume' ? s.refPorts.tls : s.refPorts[t]);
  const seq = (n: number, t: Target): Promise<number[]> => sequential(n, t, portOf(t), cert);

  // --- latency, one client at a time ---
  const tls = summarize(await seq(b.hsSequential, 'tls'));
  const ss = summarize(await seq(b.hsSequential, 'secret-stream'));
  const tcp = summarize(await seq(b.hsSequential, 'tcp'));
  const refs: Reference[] = [{ name: 'tls1.3', value: tls }, { name: 'secret-stream', value: ss }];
  const scDefault = new Helper('securechat-listener-default-ksf');
  try {
    const p = await scDefault.call<{ chatPort: number }>('start-sc', { ksf: 'default', maxPending: 64 });
    const d = await sequential(b.hsDefault, 'securechat', p.chatPort, cert);
    figs.push({
      section: 'handshake', name: 'full handshake, default KSF (Argon2id 64 MiB t=3 p=4)', unit: 'ms', value: summarize(d),
      over: `${d.length} handshakes`, higherIsBetter: false, references: refs,
    });
  } finally {
    await scDefault.stop();
  }
  const t = await seq(b.hsSequential, 'securechat');
  figs.push({
    section: 'handshake', name: 'full handshake, KSF_TEST (no key stretching)', unit: 'ms', value: summarize(t),
    over: `${t.length} handshakes`, higherIsBetter: false, references: refs,
  });
  const rc = summarize(await seq(b.hsSequential, 'reconnect'));
  figs.push({
    section: 'handshake', name: 'reconnect by keys (Noise IKpsk2, connect to first message possible)', unit: 'ms', value: rc,
    over: `${b.hsSequential} reconnects`, higherIsBetter: false, references: refs,
    goal: { text: '≤ tls1.3 handshake', pass: rc.median <= tls.median },
  });
  figs.push({ section: 'handshake', name: 'ref: tls1.3 handshake', unit: 'ms', value: tls, over: `${b.hsSequential} handshakes`, higherIsBetter: false, references: [{ name: 'tcp connect', value: tcp }] });
  figs.push({ section: 'handshake', name: 'ref: secret-stream handshake', unit: 'ms', value: ss, over: `${b.hsSequential} handshakes`, higherIsBetter: false, references: [{ name: 'tcp connect', value: tcp }] });

  // --- in memory, no I/O: the pure state machines (bench/handshake-core.ts) ---
  const mem: number[] = [];
  const memResp: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await benchHandshake(b.quick ? 10 : 30, KSF_TEST);
    mem.push(r.medianMs);
    memResp.push(r.responderMedianMs);
  }
  figs.push({ section: 'handshake', name: 'in-memory handshake, both sides, KSF_TEST', unit: 'ms', value: summarize(mem), over: '3 runs (medians)', higherIsBetter: false, references: [] });
  figs.push({ section: 'handshake', name: 'in-memory responder share, KSF_TEST', unit: 'ms', value: summarize(memResp), over: '3 runs (medians)', higherIsBetter: false, references: [] });
  const rcMem: number[] = [];
  const dhMem: number[] = [];
  const importMem: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = benchReconnectCore(b.quick ? 50 : 300);
    rcMem.push(r.responderUs);
    dhMem.push(r.x25519Us);
    importMem.push(r.importUs);
  }
  figs.push({
    section: 'handshake', name: 'in-memory reconnect, responder share (3 X25519 + ephemeral key import; ss memoized)', unit: 'µs', value: summarize(rcMem), over: '3 runs (medians)', higherIsBetter: false,
    references: [{ name: 'one X25519, keys imported', value: summarize(dhMem) }, { name: 'one X25519 private key import (computes its public key)', value: summarize(importMem) }],
  });
  // The responder's essential work: its ephemeral key (an import that computes the public
  // point) and three DHs (es, ee, se); ss is memoized.
  const x25519Floor = 3 * summarize(dhMem).median + summarize(importMem).median;

  // --- throughput with concurrent clients in a separate process ---
  const clients = new Helper('handshake-clients');
  try {
    for (const c of b.concurrency) {
      const per: Record<Target, { wall: number[]; share: number[]; p50: number[]; p99: number[]; errors: number; firstError: string | null }> = {
        securechat: { wall: [], share: [], p50: [], p99: [], errors: 0, firstError: null },
        reconnect: { wall: [], share: [], p50: [], p99: [], errors: 0, firstError: null },
        tls: { wall: [], share: [], p50: [], p99: [], errors: 0, firstError: null },
        'tls-resume': { wall: [], share: [], p50: [], p99: [], errors: 0, firstError: null },
        'secret-stream': { wall: [], share: [], p50: [], p99: [], errors: 0, firstError: null },
        tcp: { wall: [], share: [], p50: [], p99: [], errors: 0, firstError: null },
      };
      for (let run = 0; run < b.tpRuns; run++) {
        for (const target of ['securechat', 'reconnect', 'tls', 'tls-resume', 'secret-stream', 'tcp'] as const) {
          const ours = target === 'securechat' || target === 'reconnect';
          const server = ours ? s.scTest : s.refs;
          const port = portOf(target);
          // A resumption is counted only if the server resumed it (a full handshake would not count).
          const counter = target === 'tls-resume' ? 'tls-resumed' : target;
          const count = (u: Usage): number => (ours ? (u.sc?.handshakesCompleted ?? 0) : (u.refHandshakes?.[counter] ?? 0));
          const before = await server.call<Usage>('usage');
          const r = await clients.call<LoadResult>('hs-load', { target, port, cert, concurrency: c, durationMs: b.tpMs });
          await new Promise((res) => setTimeout(res, 100)); // let the last server-side completions land
          const after = await server.call<Usage>('usage');
          const p = per[target];
          p.wall.push(r.completed / (r.wallMs / 1000));
          p.share.push((count(after) - count(before)) / ((after.cpuMs - before.cpuMs) / 1000));
          p.p50.push(quantile(r.latenciesMs, 0.5));
          p.p99.push(quantile(r.latenciesMs, 0.99));
          p.errors += r.errors;
          p.firstError ??= r.firstError;
        }
      }
      const ref = (k: 'tls' | 'tls-resume' | 'secret-stream' | 'tcp', f: 'wall' | 'share' | 'p50' | 'p99'): Reference => ({ name: k === 'tls' ? 'tls1.3' : k === 'tls-resume' ? 'tls1.3 resumption' : k === 'tcp' ? 'tcp accept+close' : k, value: summarize(per[k][f]) });
      const sc = per.securechat;
      const errNote = (['securechat', 'tls', 'secret-stream'] as const)
        .filter((k) => per[k].errors > 0)
        .map((k) => `${k}: ${per[k].errors} errors (${per[k].firstError ?? ''})`)
        .join('; ');
      const over = `${b.tpRuns} runs × ${b.tpMs} ms`;
      figs.push({
        section: 'handshake', name: `handshakes/s, ${c} concurrent clients (wall)`, unit: '1/s', value: summarize(sc.wall), over, higherIsBetter: true,
        references: [ref('tls', 'wall'), ref('secret-stream', 'wall')], ...(errNote === '' ? {} : { note: errNote }),
      });
      const share = summarize(sc.share);
      const tlsShare = summarize(per.tls.share);
      figs.push({
        section: 'handshake', name: `listener share: handshakes per listener CPU-second, c=${c}`, unit: '1/s', value: share, over, higherIsBetter: true,
        references: [ref('tls', 'share'), ref('secret-stream', 'share')],
        goal: { text: '≥ tls1.3 server', pass: share.median >= tlsShare.median },
      });
      const rcShare = summarize(per.reconnect.share);
      figs.push({
        section: 'handshake', name: `reconnects per listener CPU-second, c=${c}`, unit: '1/s', value: rcShare, over, higherIsBetter: true,
        references: [ref('tls', 'share'), ref('tls-resume', 'share'), ref('secret-stream', 'share')],
        goal: { text: '≥ 1.5 × tls1.3 server', pass: rcShare.median >= 1.5 * tlsShare.median },
        ...(per.reconnect.errors > 0 ? { note: `${per.reconnect.errors} errors (${per.reconnect.firstError ?? ''})` } : {}),
      });
      // The most any listener could reach with this construction over node:crypto in a Node
      // TCP server: its X25519 work (in memory, above) plus what the TCP reference server
      // spends per connection (accept, read, write, close), nothing else.
      const tcpUs = 1e6 / summarize(per.tcp.share).median;
      const floor = 1e6 / (x25519Floor + tcpUs);
      figs.push({
        section: 'handshake', name: `bound: reconnects per CPU-second if a listener did only its X25519 work + a TCP accept/close, c=${c}`, unit: '1/s', value: summarize([floor]), over: 'computed', higherIsBetter: true,
        references: [ref('tls', 'share'), ref('tls-resume', 'share')],
        note: `${x25519Floor.toFixed(0)} µs of X25519 (3 DH + 1 key import, in memory) + ${tcpUs.toFixed(0)} µs per TCP connection (the tcp reference server's CPU)`,
      });
      figs.push({ section: 'handshake', name: `reconnect latency p50, c=${c}`, unit: 'ms', value: summarize(per.reconnect.p50), over, higherIsBetter: false, references: [ref('tls', 'p50'), ref('secret-stream', 'p50')] });
      figs.push({ section: 'handshake', name: `handshake latency p50, c=${c}`, unit: 'ms', value: summarize(sc.p50), over, higherIsBetter: false, references: [ref('tls', 'p50'), ref('secret-stream', 'p50')] });
      figs.push({ section: 'handshake', name: `handshake latency p99, c=${c}`, unit: 'ms', value: summarize(sc.p99), over, higherIsBetter: false, references: [ref('tls', 'p99'), ref('secret-stream', 'p99')] });
    }
  } finally {
    await clients.stop();
  }
  return figs;
}

export type { Summary };
