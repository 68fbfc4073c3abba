/**
 * A bench helper process (see proc.ts): serves SecureChat or the references, or drives
 * clients, on request from the bench. Runs until told to exit or its parent goes away.
 */
import { KSF_DEFAULT, KSF_TEST } from '../src/crypto/opaque.js';
import type { Conversation } from '../src/chat/conversation.js';
import { startScServers, scConnect, type ScServers } from './peers.js';
import { startRefServers, type Cert, type RefServers } from './references.js';
import { handshakeLoad, type Target } from './handshake-once.js';
import { startDurableServers, type DurableServers } from './durable-servers.js';

let sc: ScServers | null = null;
let refs: RefServers | null = null;
let durable: DurableServers | null = null;
const held: Conversation[] = [];

function usage(): Record<string, unknown> {
  const cpu = process.cpuUsage();
  const m = process.memoryUsage();
  return {
    cpuMs: (cpu.user + cpu.system) / 1000,
    rss: m.rss,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    sc: sc === null ? null : { ...sc.chat.stats(), sinkCompleted: sc.sink.stats().handshakesCompleted, open: sc.open.size },
    refHandshakes: refs === null ? null : { ...refs.handshakes },
    durable: durable === null ? null : durable.stats(),
  };
}

async function collect(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Opens `n` chat sessions, at most `concurrency` handshakes at a time, and holds them. */
async function openSessions(port: number, n: number, concurrency: number): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  let next = 0;
  let errors = 0;
  let firstError: string | null = null;
  const loop = async (): Promise<void> => {
    while (next < n && errors < 100) {
      next++;
      try {
        held.push(await scConnect(port));
      } catch (e) {
        errors++;
        firstError ??= e instanceof Error ? e.message : String(e);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { opened: held.length, errors, firstError, wallMs: performance.now() - t0 };
}

const ops: Record<string, (a: Record<string, unknown>) => Promise<unknown>> = {
  'start-sc': async (a) => {
    sc = await startScServers(a['ksf'] === 'default' ? KSF_DEFAULT : KSF_TEST, Number(a['maxPending'] ?? 64));
    return { chatPort: sc.chat.port, sinkPort: sc.sink.port };
  },
  'start-refs': async (a) => {
    refs = await startRefServers(a['cert'] as Cert);
    return refs.ports;
  },
  'start-durable': async () => {
    durable = await startDurableServers();
    return { chatPort: durable.chatPort, echoPort: durable.echoPort };
  },
  usage: async () => usage(),
  'gc-usage': async () => {
    await collect();
    return usage();
  },
  'hs-load': async (a) =>
    handshakeLoad(a['target'] as Target, Number(a['port']), a['cert'] as Cert, Number(a['concurrency']), Number(a['durationMs'])),
  'open-sessions': async (a) => openSessions(Number(a['port']), Number(a['n']), Number(a['concurrency'])),
  'close-sessions': async () => {
    for (const c of held.splice(0)) c.destroy();
    return null;
  },
};

async function shutdown(): Promise<never> {
  for (const c of held.splice(0)) c.destroy();
  await Promise.race([
    Promise.all([sc?.chat.close(), sc?.sink.close(), refs?.close(), durable?.close()]),
    new Promise((r) => setTimeout(r, 500)),
  ]);
  process.exit(0);
}

process.on('disconnect', () => void shutdown());
process.on('message', (m: { id: number; op: string; args: Record<string, unknown> }) => {
  if (m.op === 'exit') {
    void shutdown();
    return;
  }
  const fn = ops[m.op];
  if (fn === undefined) {
    process.send?.({ id: m.id, ok: false, error: `unknown op ${m.op}` });
    return;
  }
  fn(m.args).then(
    (value) => process.send?.({ id: m.id, ok: true, value }),
    (e: unknown) => process.send?.({ id: m.id, ok: false, error: e instanceof Error ? e.stack ?? e.message : String(e) }),
  );
});
