/**
 * The agent stays up while its outbox holds undelivered messages (issue 11), exits after its
 * idle period once the outbox is empty (delivered) or expired, and picks the outbox up again
 * when restarted. Two real agents in this process over 127.0.0.1 (cheap KSF); alice's idle exit
 * and outbox run on manual clocks (test/transport/_manual-timers.ts): every deadline is an
 * `advance` the test makes, never a wait on the wall clock.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentClient } from '../../src/agent/client.js';
import type { JsonObject } from '../../src/agent/rpc.js';
import { startAgent, type RunningAgent } from '../../src/agent/server.js';
import { DEFAULT_OUTBOX_LIMITS } from '../../src/app/outbox.js';
import { utf8 } from '../../src/crypto/bytes.js';
import { KSF_TEST } from '../../src/crypto/opaque.js';
import { ensureUserDir, loadOrCreateIdentity, registerAccount } from '../../src/identity/index.js';
import { ManualTimers } from '../transport/_manual-timers.js';
import { waitUntil, waitUntilAsync, within } from '../_util/wait.js';

const dirs: string[] = [];
const running: RunningAgent[] = [];
after(async () => {
  await Promise.allSettled(running.map((a) => a.stop()));
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const IDLE_MS = 60_000;
const LIMITS = { ...DEFAULT_OUTBOX_LIMITS, firstMs: 5_000, maxMs: 5_000, expiryMs: 3_600_000 };

async function home(name: string, password?: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `securechat-idle-${name}-`));
  dirs.push(dir);
  const paths = await ensureUserDir(dir, name);
  await loadOrCreateIdentity(paths.dir);
  if (password !== undefined) await registerAccount(paths.dir, name, utf8(password), KSF_TEST);
  return dir;
}

interface Alice {
  readonly agent: RunningAgent;
  readonly idle: ManualTimers;
  readonly outbox: ManualTimers;
  stopped(): boolean;
}

async function startAlice(dir: string): Promise<Alice> {
  const idle = new ManualTimers();
  const outbox = new ManualTimers();
  const r = await startAgent({ home: dir, ksf: KSF_TEST, idleMs: IDLE_MS, timers: idle, outbox: { timers: outbox, limits: LIMITS, jitter: () => 1 } });
  assert.ok(r.started);
  running.push(r.agent);
  let stopped = false;
  void r.agent.stopped.then(() => (stopped = true));
  return { agent: r.agent, idle, outbox, stopped: () => stopped };
}

async function call(dir: string, method: string, params: JsonObject): Promise<JsonObject> {
  const c = await AgentClient.tryConnect(dir);
  assert.ok(c !== undefined, 'the agent answers');
  try {
    return (await c.call(method, params)) as JsonObject;
  } finally {
    const closed = new Promise<void>((r) => c.onClose(r));
    c.close();
    await closed;
  }
}

/** Moves alice's idle clock far past her idle period, a step at a time, and lets the agent react. */
async function idleLong(a: Alice): Promise<void> {
  for (let i = 0; i < 5; i++) {
    a.idle.advance(IDLE_MS);
    await new Promise((r) => setImmediate(r));
  }
}

describe('agent idle exit and the outbox', () => {
  it('stays up while a message waits (also after a restart, which resumes it), exits once it was delivered, and once one expired', { timeout: 180_000 }, async () => {
    const aliceHome = await home('alice');
    const bobHome = await home('bob', 'pw-bob');
    const b = await startAgent({ home: bobHome, ksf: KSF_TEST, idleMs: 600_000 });
    assert.ok(b.started);
    running.push(b.agent);
    const bob = await AgentClient.tryConnect(bobHome);
    assert.ok(bob !== undefined);
    const l = (await bob.call('listen', { as: 'bob', port: 0, host: '127.0.0.1' })) as JsonObject;
    const to = { account: 'bob', host: '127.0.0.1', port: l['port'] as number };

    let a = await startAlice(aliceHome);
    // One password login makes them contacts; then bob stops listening.
    assert.equal((await call(aliceHome, 'send', { as: 'alice', to, text: 'hello', password: Buffer.from('pw-bob').toString('base64') }))['delivered'], true);
    await bob.call('unlisten', { as: 'bob' });
    const queued = await call(aliceHome, 'send', { as: 'alice', to, text: 'while bob is away' });
    assert.equal(queued['queued'], true, JSON.stringify(queued));

    // No client, nothing open, but a message waits: the idle exit is not even armed.
    await waitUntil(() => a.idle.waiting === 0, 'the idle timer to stay unarmed while the outbox holds a message');
    await idleLong(a);
    assert.equal(a.stopped(), false, 'alice\'s agent stays up while her outbox holds a message');

    // Restart (as after kill -9, the outbox is on disk): the new agent resumes it and stays up.
    await a.agent.stop();
    a = await startAlice(aliceHome);
    const st = await call(aliceHome, 'status', {});
    assert.deepEqual(st['outbox'], [{ user: 'alice', waiting: 1 }]);
    await idleLong(a);
    assert.equal(a.stopped(), false, 'the restarted agent stays up for the message it resumed');

    // Bob is back; the next try (after the backoff) delivers it; then, with nothing left, the idle exit.
    await bob.call('listen', { as: 'bob', port: to.port, host: '127.0.0.1' });
    const aliceEmpty = AgentClient.tryConnect(aliceHome);
    await waitUntilAsync(async () => {
      a.outbox.advance(LIMITS.firstMs);
      const s = await call(aliceHome, 'status', {});
      return Array.isArray(s['outbox']) && s['outbox'].length === 0;
    }, 'the queued message to be delivered once bob listens again');
    (await aliceEmpty)?.close();
    await waitUntil(() => a.idle.waiting === 1, 'the idle timer to be armed once the outbox is empty and no client is connected');
    a.idle.advance(IDLE_MS);
    await within(a.agent.stopped, 'alice\'s agent to exit after its idle period');

    // Expiry: a message bob never takes; the agent stays up until it expires, then exits after idle.
    await bob.call('unlisten', { as: 'bob' });
    a = await startAlice(aliceHome);
    const again = await call(aliceHome, 'send', { as: 'alice', to, text: 'never delivered' });
    assert.equal(again['queued'], true);
    await idleLong(a);
    assert.equal(a.stopped(), false);
    a.outbox.advance(LIMITS.expiryMs);
    await waitUntil(() => a.idle.waiting === 1, 'the idle timer to be armed once the message expired');
    a.idle.advance(IDLE_MS);
    await within(a.agent.stopped, 'alice\'s agent to exit after its idle period once the outbox expired');
    bob.close();
  });
});
