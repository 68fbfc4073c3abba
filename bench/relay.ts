/**
 * Relay throughput (docs/RELAY.md §8): messages per second stored (SEND answered, i.e. durable
 * in the store) and delivered (FETCH + ACK), one client over the relay channel on loopback,
 * 64 commands in flight, on SQLite and on NATS JetStream (a nats-server started here, if
 * installed). Reference, same run, same store: the store's own writes and reads called
 * directly (no network, no channel, no signatures), i.e. what the store alone allows.
 *
 * What bounds it: every SEND is one durable store write (SQLite: one WAL commit with fsync;
 * JetStream: one publish acknowledged after the stream stored it) and one Ed25519
 * verification; the relay runs one connection's commands in order, so one client measures
 * the latency of the store times the window, not the relay's capacity for many clients.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemRandom } from '../src/crypto/random.js';
import { RelayClient, type Queue } from '../src/relay/client.js';
import { RelayEngine } from '../src/relay/engine.js';
import { keyPairFrom } from '../src/relay/noise-nk.js';
import { openStore, type StoreSpec } from '../src/relay/open-store.js';
import { RelayServer } from '../src/relay/server.js';
import type { QueueRecord, RelayStore } from '../src/relay/store.js';
import { summarize } from './stats.js';
import type { Figure } from './report.js';

const WINDOW = 64;
const NATS = ['/usr/sbin/nats-server', '/usr/bin/nats-server'].find((p) => existsSync(p));

async function pool(n: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: WINDOW }, async () => {
    while (next < n) await fn(next++);
  }));
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

async function startNats(dir: string): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const child = spawn(NATS ?? 'nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let log = '';
    const on = (d: Buffer): void => {
      log += d.toString();
      if (log.includes('Server is ready')) resolve();
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.once('exit', () => reject(new Error(`nats-server exited:\n${log}`)));
  });
  return { url: `nats://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
}

interface Rates {
  stored: number;
  delivered: number;
}

async function overRelay(store: RelayStore, n: number, size: number): Promise<Rates> {
  const key = keyPairFrom(systemRandom(32));
  const engine = new RelayEngine({ store, random: systemRandom, now: Date.now, limits: { commandBurst: 1e9, commandsPerSecond: 1e9, maxQueueMessages: n + 1 } });
  const server = await RelayServer.listen({ port: 0, key, engine, random: systemRandom });
  const c = await RelayClient.connect({ host: '127.0.0.1', port: server.port, relayKey: key.pub });
  try {
    const q: Queue = await c.createQueue();
    const body = systemRandom(size);
    const t0 = performance.now();
    await pool(n, () => c.send(q, body));
    const t1 = performance.now();
    let got = 0;
    while (got < n) {
      const items = await c.receive(q, 0, 32);
      if (items.length === 0) throw new Error('bench: messages missing');
      await Promise.all(items.map((m) => c.ack(q, m.seq)));
      got += items.length;
    }
    const t2 = performance.now();
    return { stored: (n * 1000) / (t1 - t0), delivered: (n * 1000) / (t2 - t1) };
  } finally {
    await c.close();
    await server.close();
  }
}

async function direct(store: RelayStore, n: number, size: number): Promise<Rates> {
  const q: QueueRecord = { kind: 'queue', recvId: systemRandom(16), sendId: systemRandom(16), recvKey: systemRandom(32), sendKey: systemRandom(32), created: Date.now() };
  await store.createQueue(q);
  const body = systemRandom(size);
  const t0 = performance.now();
  await pool(n, () => store.append(q, systemRandom(16), body, Date.now(), n + 1));
  const t1 = performance.now();
  let got = 0;
  while (got < n) {
    const items = await store.fetch(q, 0, 32);
    await Promise.all(items.map((m) => store.ack(q, m.seq)));
    got += items.length;
  }
  const t2 = performance.now();
  return { stored: (n * 1000) / (t1 - t0), delivered: (n * 1000) / (t2 - t1) };
}

export async function relaySection(quick: boolean): Promise<Figure[]> {
  const n = quick ? 300 : 2_000;
  const runs = quick ? 1 : 3;
  const size = 1_024;
  const dir = await mkdtemp(join(tmpdir(), 'securechat-bench-relay-'));
  const figs: Figure[] = [];
  const nats = NATS === undefined ? null : await startNats(join(dir, 'nats'));
  try {
    const specs: [string, StoreSpec][] = [['SQLite', { kind: 'sqlite', path: join(dir, 'relay.db') }]];
    if (nats !== null) specs.push(['NATS JetStream', { kind: 'nats', servers: nats.url }]);
    for (const [name, spec] of specs) {
      const store = await openStore(spec, { retentionMs: 3_600_000, maxQueueMessages: n + 1 });
      try {
        const relay: Rates[] = [];
        const raw: Rates[] = [];
        for (let r = 0; r < runs; r++) {
          relay.push(await overRelay(store, n, size));
          raw.push(await direct(store, n, size));
        }
        for (const what of ['stored', 'delivered'] as const) {
          figs.push({
            section: 'relay',
            name: `relay messages ${what}/s, ${name}`,
            unit: 'msg/s',
            value: summarize(relay.map((x) => x[what])),
            over: `${runs} run${runs === 1 ? '' : 's'} of ${n} × 1 KiB, ${WINDOW} in flight`,
            higherIsBetter: true,
            references: [{ name: `${name} store called directly`, value: summarize(raw.map((x) => x[what])) }],
            note: what === 'stored' ? 'stored = SEND answered after the store made it durable' : 'delivered = FETCH (32 at a time) + ACK of each',
          });
        }
      } finally {
        await store.close();
      }
    }
    if (nats === null) process.stderr.write('bench: relay: nats-server not installed (scripts/ensure-nats.sh); NATS not measured\n');
  } finally {
    nats?.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return figs;
}
