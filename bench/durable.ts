/**
 * The path users get: a 100-byte text from this process to a listener process whose chat
 * layer logs it durably (ConversationLog, as `securechat listen` does) before the receipt
 * goes back; one conversation, back to back and with 16 messages in flight. The reference is
 * a raw TCP echo whose server appends the bytes to a file and fdatasyncs before answering
 * (durable-servers.ts), driven the same way.
 */
import { connect as netConnect, type Socket } from 'node:net';
import type { Budget } from './budget.js';
import { Helper } from './proc.js';
import { scConnect } from './peers.js';
import { quantile, summarize } from './stats.js';
import type { Figure } from './report.js';
import { ECHO_MESSAGE_BYTES as MSG } from './durable-servers.js';

interface Usage {
  readonly cpuMs: number;
  readonly durable: { received: number; commits: number; echoMessages: number; echoSyncs: number } | null;
}

/** CPU of the helper process and its durable counters over what `run` does. */
async function measured<T>(h: Helper, run: () => Promise<T>): Promise<{ value: T; cpuMs: number; messages: number; syncs: number; echoMessages: number; echoSyncs: number }> {
  const a = await h.call<Usage>('usage');
  const value = await run();
  const b = await h.call<Usage>('usage');
  const d = (f: (u: NonNullable<Usage['durable']>) => number): number => (b.durable === null || a.durable === null ? 0 : f(b.durable) - f(a.durable));
  return { value, cpuMs: b.cpuMs - a.cpuMs, messages: d((u) => u.received), syncs: d((u) => u.commits), echoMessages: d((u) => u.echoMessages), echoSyncs: d((u) => u.echoSyncs) };
}

interface Run {
  /** Per-message latencies (ms), send to receipt/echo. */
  readonly lat: number[];
  /** Messages completed per second over the run. */
  readonly rate: number;
}

/** Drives `count` messages with at most `depth` outstanding; `send` resolves on the message's answer. */
async function drive(count: number, depth: number, send: () => Promise<void>): Promise<Run> {
  const lat: number[] = [];
  let started = 0;
  const t0 = performance.now();
  const lane = async (): Promise<void> => {
    while (started < count) {
      started++;
      const t = performance.now();
      await send();
      lat.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: depth }, lane));
  return { lat, rate: count / ((performance.now() - t0) / 1000) };
}

/** A raw TCP client of the fsync echo: answers come back in order, `MSG` bytes each. */
async function echoClient(port: number): Promise<{ send: () => Promise<void>; close: () => void }> {
  const s: Socket = await new Promise((resolve, reject) => {
    const c = netConnect({ host: '127.0.0.1', port, noDelay: true }, () => resolve(c));
    c.once('error', reject);
  });
  const waiting: (() => void)[] = [];
  let got = 0;
  s.on('data', (d: Buffer) => {
    got += d.length;
    while (got >= MSG && waiting.length > 0) {
      got -= MSG;
      waiting.shift()?.();
    }
  });
  const msg = Buffer.alloc(MSG, 0x6d);
  return {
    send: () => new Promise<void>((resolve) => {
      waiting.push(resolve);
      s.write(msg);
    }),
    close: () => s.destroy(),
  };
}

export async function durableSection(b: Budget): Promise<{ figs: Figure[]; rate: number; ratio: number }> {
  const h = new Helper('durable-servers');
  try {
    const p = await h.call<{ chatPort: number; echoPort: number }>('start-durable');
    const conv = await scConnect(p.chatPort);
    const text = 'm'.repeat(MSG);
    const scSend = (): Promise<void> => conv.waitReceipt(conv.send(text), 30_000);
    const ref = await echoClient(p.echoPort);
    const res = { sc1: [] as Run[], ref1: [] as Run[], sc16: [] as Run[], ref16: [] as Run[] };
    /** Per 16-in-flight run: helper CPU µs per message and messages per fdatasync, SecureChat and reference. */
    const cost = { scCpu: [] as number[], refCpu: [] as number[], scBatch: [] as number[], refBatch: [] as number[] };
    await drive(Math.min(50, b.durableSerial), 1, scSend); // warm-up
    await drive(Math.min(50, b.durableSerial), 1, ref.send);
    for (let r = 0; r < b.durableRuns; r++) {
      res.ref1.push(await drive(b.durableSerial, 1, ref.send));
      res.sc1.push(await drive(b.durableSerial, 1, scSend));
      const r16 = await measured(h, () => drive(b.durableInFlight, 16, ref.send));
      res.ref16.push(r16.value);
      cost.refCpu.push((r16.cpuMs * 1000) / b.durableInFlight);
      cost.refBatch.push(r16.echoMessages / Math.max(1, r16.echoSyncs));
      const s16 = await measured(h, () => drive(b.durableInFlight, 16, scSend));
      res.sc16.push(s16.value);
      cost.scCpu.push((s16.cpuMs * 1000) / b.durableInFlight);
      cost.scBatch.push(s16.messages / Math.max(1, s16.syncs));
    }
    ref.close();
    await conv.close();
    const p50 = (xs: Run[]) => summarize(xs.map((x) => quantile(x.lat, 0.5)));
    const rate = (xs: Run[]) => summarize(xs.map((x) => x.rate));
    const sc1 = p50(res.sc1);
    const ref1 = p50(res.ref1);
    const sc16 = p50(res.sc16);
    const ref16 = p50(res.ref16);
    const scRate = rate(res.sc16);
    const refName = 'tcp echo + append + fdatasync';
    const over1 = `${b.durableRuns} runs × ${b.durableSerial} msgs`;
    const over16 = `${b.durableRuns} runs × ${b.durableInFlight} msgs`;
    const figs: Figure[] = [
      {
        section: 'durable', name: 'message → receipt through the durable log p50, back to back', unit: 'ms', value: sc1, over: over1, higherIsBetter: false,
        references: [{ name: refName, value: ref1 }], goal: { text: '≤ 1.5× reference', pass: sc1.median <= 1.5 * ref1.median },
      },
      {
        section: 'durable', name: 'message → receipt through the durable log p50, 16 in flight', unit: 'ms', value: sc16, over: over16, higherIsBetter: false,
        references: [{ name: refName, value: ref16 }], goal: { text: '≤ 1.5× reference', pass: sc16.median <= 1.5 * ref16.median },
      },
      {
        section: 'durable', name: 'durable messages/s, one conversation (16 in flight)', unit: '1/s', value: scRate, over: over16, higherIsBetter: true,
        references: [{ name: refName, value: rate(res.ref16) }], goal: { text: '≥ 10,000/s', pass: scRate.median >= 10_000 },
      },
      {
        section: 'durable', name: 'durable messages/s, one conversation (back to back)', unit: '1/s', value: rate(res.sc1), over: over1, higherIsBetter: true,
        references: [{ name: refName, value: rate(res.ref1) }],
      },
      {
        section: 'durable', name: 'listener CPU per durable message (16 in flight)', unit: 'µs', value: summarize(cost.scCpu), over: over16, higherIsBetter: false,
        references: [{ name: `${refName} server`, value: summarize(cost.refCpu) }],
        note: 'CPU time (user + sys) of the helper process that runs both servers, over each run, ÷ messages: independent of the wall-clock noise of a loaded machine',
      },
      {
        section: 'durable', name: 'messages per log fdatasync (16 in flight)', unit: 'msgs', value: summarize(cost.scBatch), over: over16, higherIsBetter: true,
        references: [{ name: `${refName} (per fdatasync)`, value: summarize(cost.refBatch) }],
      },
    ];
    return { figs, rate: scRate.median, ratio: sc1.median / ref1.median };
  } finally {
    await h.stop();
  }
}
