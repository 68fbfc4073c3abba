/**
 * Scale figures: memory per idle established session on a listener holding many sessions
 * (its own process, measured after forced GC), and the CLI's cold start to listening.
 */
import { spawn } from 'node:child_process';
import { connect as netConnect, createServer } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Budget } from './budget.js';
import { Helper } from './proc.js';
import { summarize } from './stats.js';
import type { Figure } from './report.js';

interface Usage {
  rss: number;
  heapUsed: number;
  external: number;
  sc: { sessions: number; refusedTooMany: number; handshakesFailed: number } | null;
}

const MiB = 1024 * 1024;
const CLIENT_PROCS = 2;
/** Handshakes in flight per client process: 2 × 24 stays under the default cap of 64. */
const WAVE = 24;

export async function sessionsSection(b: Budget): Promise<{ figs: Figure[]; totalMiB: number; n: number }> {
  const listener = new Helper('scale-listener', ['--expose-gc']);
  const clients = Array.from({ length: CLIENT_PROCS }, (_, i) => new Helper(`scale-clients-${i}`));
  try {
    // Default limits (cap 64 handshakes in progress), except a limiter that never refuses.
    const { chatPort } = await listener.call<{ chatPort: number }>('start-sc', { ksf: 'test', maxPending: 64 });
    // Warm-up, not counted: one-time growth (JIT code, the OPAQUE WebAssembly memory, socket
    // buffers pools) would otherwise be charged to the sessions.
    const warm = clients[0];
    if (warm !== undefined) {
      await warm.call('open-sessions', { port: chatPort, n: Math.min(200, b.sessions), concurrency: WAVE });
      await warm.call('close-sessions');
      for (let i = 0; i < 50 && ((await listener.call<Usage>('usage')).sc?.sessions ?? 0) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    }
    const before = await listener.call<Usage>('gc-usage');
    const t0 = performance.now();
    const per = Math.ceil(b.sessions / CLIENT_PROCS);
    const opened = await Promise.all(clients.map((c) => c.call<{ opened: number; errors: number; firstError: string | null }>('open-sessions', { port: chatPort, n: per, concurrency: WAVE })));
    const openSeconds = (performance.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 500));
    const after = await listener.call<Usage>('gc-usage');
    const n = after.sc?.sessions ?? 0;
    const errors = opened.reduce((a, o) => a + o.errors, 0);
    const rssPer = (after.rss - before.rss) / n;
    const heapPer = (after.heapUsed + after.external - before.heapUsed - before.external) / n;
    const totalMiB = (after.rss - before.rss) / MiB;
    const note = `${n} sessions open on the listener (${errors} client errors${errors > 0 ? `: ${opened.find((o) => o.firstError !== null)?.firstError ?? ''}` : ''}, ${after.sc?.refusedTooMany ?? 0} refused as busy); opened in ${openSeconds.toFixed(1)} s = ${(n / openSeconds).toFixed(0)} handshakes/s with ${CLIENT_PROCS}×${WAVE} clients in flight`;
    const one = (x: number) => summarize([x]);
    const figs: Figure[] = [
      { section: 'scale', name: `memory per idle session, RSS delta / ${n}`, unit: 'KiB', value: one(rssPer / 1024), over: '1 run', higherIsBetter: false, references: [], note },
      { section: 'scale', name: `memory per idle session, JS heap + external delta / ${n}`, unit: 'KiB', value: one(heapPer / 1024), over: '1 run', higherIsBetter: false, references: [] },
      {
        section: 'scale', name: `listener RSS growth for ${n} idle sessions${n < 10_000 ? ' (×10000/n)' : ''}`, unit: 'MiB', value: one((totalMiB * 10_000) / Math.max(1, n)),
        over: '1 run', higherIsBetter: false, references: [],
        // Fixed costs dominate a small sample: only a real 10,000 is judged.
        ...(n >= 10_000 ? { goal: { text: '10,000 idle sessions < 128 MiB', pass: totalMiB < 128 } } : {}),
      },
    ];
    return { figs, totalMiB: (totalMiB * 10_000) / Math.max(1, n), n };
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
    await listener.stop();
  }
}

/** Milliseconds from spawn until 127.0.0.1:port accepts a TCP connection (bounded: 30 s). */
async function untilListening(cmd: string, args: readonly string[], port: number, env: NodeJS.ProcessEnv): Promise<number> {
  const t0 = performance.now();
  const child = spawn(cmd, [...args], { env, stdio: ['pipe', 'ignore', 'ignore'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    for (;;) {
      if (performance.now() - t0 > 30_000) throw new Error(`${args.join(' ')} did not listen within 30 s`);
      if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode} before listening`);
      const ok = await new Promise<boolean>((resolve) => {
        const s = netConnect({ host: '127.0.0.1', port }, () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      });
      if (ok) return performance.now() - t0;
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 2_000);
    await exited;
    clearTimeout(t);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function coldStartSection(b: Budget): Promise<Figure[]> {
  const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const dir = await mkdtemp(join(tmpdir(), 'securechat-bench-cli-'));
  try {
    const port = await freePort();
    const users = join(dir, 'users.json');
    const home = join(dir, 'home');
    await writeFile(users, JSON.stringify([{ username: 'bench', password: 'bench password', ip: '127.0.0.1', port }]));
    const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', NO_COLOR: '1' };
    const args = [cli, 'listen', '--as', 'bench', '--port', String(port), '--home', home, '--users', users];
    // First start: creates the identity and registers the password from the users file (with the
    // default KSF); not counted. Every counted start finds an initialised home.
    await untilListening(process.execPath, args, port, env);
    const xs: number[] = [];
    for (let i = 0; i < b.coldStarts; i++) xs.push(await untilListening(process.execPath, args, port, env));
    const bare = `require('node:net').createServer().listen(${port}, '127.0.0.1')`;
    const ref: number[] = [];
    for (let i = 0; i < b.coldStarts; i++) ref.push(await untilListening(process.execPath, ['-e', bare], port, env));
    return [{
      section: 'scale', name: 'CLI cold start to listening (spawn → port accepts)', unit: 'ms', value: summarize(xs), over: `${xs.length} starts`,
      higherIsBetter: false, references: [{ name: 'bare node net.listen', value: summarize(ref) }],
    }];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs a command to its exit; resolves with the wall time (ms) and the exit code. */
async function timedRun(args: readonly string[], env: NodeJS.ProcessEnv, input: string): Promise<{ ms: number; code: number | null }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...args], { env, stdio: ['pipe', 'ignore', 'ignore'] });
  child.stdin.end(input);
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  return { ms: performance.now() - t0, code };
}

/** Runs `securechat agent stop` for `home` (waits until the agent let go of its client). */
async function stopAgent(cli: string, home: string, env: NodeJS.ProcessEnv): Promise<void> {
  await timedRun([cli, 'agent', 'stop', '--home', home], env, '');
}

/**
 * `send` to a contact from a cold CLI process, spawn to exit 0 (the delivery receipt arrived),
 * against `node -e 0` spawned in the same loop. Two rows: with the sender's agent already
 * running (the usual case: the CLI only asks it), and with no agent (the send starts it,
 * `agent stop` before each, not counted). The listener runs in its own home, so stopping the
 * sender's agent does not stop the listener. The first send logs in with the password
 * (default KSF) and makes the two users contacts; it is not counted.
 */
export async function coldSendSection(b: Budget): Promise<Figure[]> {
  const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const dir = await mkdtemp(join(tmpdir(), 'securechat-bench-send-'));
  const port = await freePort();
  const users = join(dir, 'users.json');
  const senderHome = join(dir, 'alice-home');
  const listenerHome = join(dir, 'bob-home');
  await writeFile(users, JSON.stringify([{ username: 'bob', password: 'bench password', ip: '127.0.0.1', port }, { username: 'alice', ip: '127.0.0.1', port: port + 1 }]));
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', NO_COLOR: '1' };
  const listener = spawn(process.execPath, [cli, 'listen', '--as', 'bob', '--home', listenerHome, '--users', users], { env, stdio: ['pipe', 'ignore', 'ignore'] });
  const exited = new Promise<void>((r) => listener.once('exit', () => r()));
  try {
    for (let t0 = performance.now(); ; ) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = netConnect({ host: '127.0.0.1', port }, () => { s.destroy(); resolve(true); });
        s.once('error', () => resolve(false));
      });
      if (ok) break;
      if (performance.now() - t0 > 60_000) throw new Error('the bench listener did not start within 60 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    const send = (text: string): string[] => [cli, 'send', '--as', 'alice', '--to', 'bob', '--message', text, '--home', senderHome, '--users', users];
    const first = await timedRun(send('first, with the password'), env, 'bench password\n');
    if (first.code !== 0) throw new Error(`the first send failed (${String(first.code)})`);
    const warm: number[] = [];
    const cold: number[] = [];
    const refWarm: number[] = [];
    const refCold: number[] = [];
    for (let i = 0; i < b.coldStarts; i++) {
      const r = await timedRun(send(`agent running ${i}`), env, '');
      if (r.code !== 0) throw new Error(`send ${i} (agent running) failed (${String(r.code)})`);
      warm.push(r.ms);
      refWarm.push((await timedRun(['-e', '0'], env, '')).ms);
    }
    for (let i = 0; i < b.coldStarts; i++) {
      await stopAgent(cli, senderHome, env);
      const r = await timedRun(send(`no agent ${i}`), env, '');
      if (r.code !== 0) throw new Error(`send ${i} (no agent) failed (${String(r.code)})`);
      cold.push(r.ms);
      refCold.push((await timedRun(['-e', '0'], env, '')).ms);
    }
    await stopAgent(cli, senderHome, env);
    const v = summarize(warm);
    const r = summarize(refWarm);
    const vc = summarize(cold);
    const rc = summarize(refCold);
    return [
      {
        section: 'scale', name: 'send to a contact from a cold CLI process, agent already running (spawn → receipt → exit)', unit: 'ms', value: v, over: `${warm.length} sends`,
        higherIsBetter: false, references: [{ name: 'node -e 0', value: r }], goal: { text: '≤ 2 × node -e 0', pass: v.median <= 2 * r.median },
      },
      {
        section: 'scale', name: 'send to a contact from a cold CLI process, agent not running (the send starts it)', unit: 'ms', value: vc, over: `${cold.length} sends`,
        higherIsBetter: false, references: [{ name: 'node -e 0', value: rc }],
        note: 'two node processes start (the CLI, then the agent, which loads the protocol stack) before the reconnect',
      },
    ];
  } finally {
    listener.kill('SIGTERM');
    await exited;
    await timedRun([cli, 'agent', 'stop', '--home', listenerHome], env, '').catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}
