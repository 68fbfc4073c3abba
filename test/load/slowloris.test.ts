/**
 * Load and faults on a real listener on 127.0.0.1: 1,000 unauthenticated connections opened
 * and held (silent, half a header, a header promising more than is sent), from a helper
 * process, while another client hammers wrong passwords. Throughout, an established
 * conversation on the same listener delivers every message exactly once and in order, the
 * listener's heap stays under a generous cap, and its counters show what happened.
 * Behaviour only: nothing here asserts a duration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, execFileSync, type ChildProcess } from 'node:child_process';
import { connect as netConnect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { listen, type Listener } from '../../src/chat/listener.js';
import { connect } from '../../src/chat/connect.js';
import type { Conversation } from '../../src/chat/conversation.js';
import { FailureLimiter } from '../../src/transport/limiter.js';
import { MAX_PENDING_PER_SOURCE } from '../../src/limits.js';
import { party, type Party } from '../chat/_fixture.js';
import { ManualTimers } from '../transport/_manual-timers.js';
import { waitUntil, waitUntilAsync, within } from '../_util/wait.js';

const HELPER = fileURLToPath(new URL('./_slowloris.js', import.meta.url));
const MiB = 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** The soft fd limit: the listener holds one fd per slowloris connection, the helper the other. */
function heldCount(): number {
  let limit = Number.POSITIVE_INFINITY;
  try {
    const out = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    if (out !== 'unlimited') limit = Number(out);
  } catch {
    // no sh: assume enough
  }
  return Math.max(100, Math.min(1_000, limit - 200));
}


interface Helper {
  readonly child: ChildProcess;
  readonly held: Promise<{ opened: number; failed: number }>;
  count(): Promise<{ open: number; closedByServer: number }>;
  stop(): void;
}

function slowloris(port: number, n: number): Helper {
  const child = fork(HELPER, [String(port), String(n)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const held = new Promise<{ opened: number; failed: number }>((resolve, reject) => {
    child.on('message', (m: { type: string; opened: number; failed: number }) => {
      if (m.type === 'held') resolve(m);
    });
    child.once('exit', () => reject(new Error('slowloris helper exited early')));
  });
  held.catch(() => undefined);
  return {
    child,
    held,
    count: () =>
      new Promise((resolve) => {
        const on = (m: { type: string; open: number; closedByServer: number }): void => {
          if (m.type !== 'count') return;
          child.off('message', on);
          resolve(m);
        };
        child.on('message', on);
        child.send({ type: 'count' });
      }),
    stop: () => {
      if (child.exitCode === null) {
        child.send({ type: 'exit' });
        setTimeout(() => child.kill('SIGKILL'), 1_000).unref();
      }
    },
  };
}

/** A conversation bob → alice whose every message is recorded on alice's side. */
async function conversation(alice: Party, bob: Party, l: Listener, incoming: Promise<Conversation>): Promise<{ conv: Conversation; got: string[] }> {
  const conv = await connect({ host: '127.0.0.1', port: l.port, account: 'alice', password: alice.password, self: bob.self, policy: bob.policy });
  const got: string[] = [];
  const side = await incoming;
  side.on('message', (m) => {
    got.push(m.text);
  });
  return { conv, got };
}

/** Sends numbered messages one after another (each waits for its receipt) until `stop()`. */
function chatter(conv: Conversation, max = 5_000): { stop: () => Promise<string[]> } {
  const sent: string[] = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running && i < max; i++) {
      const text = `m${i}`;
      await within(conv.waitReceipt(conv.send(text)), `the receipt of ${text}`);
      sent.push(text);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return sent;
    },
  };
}

function rawConnect(port: number): Socket {
  const s = netConnect({ host: '127.0.0.1', port });
  s.on('error', () => undefined);
  s.on('data', () => undefined);
  return s;
}

test('1,000 held unauthenticated connections and a wrong-password hammer: the conversation delivers every message once, in order; memory bounded; counts show', { timeout: 120_000 }, async (t) => {
  const n = heldCount();
  if (n < 1_000) t.diagnostic(`ulimit -n is low: holding ${n} connections instead of 1,000`);
  const alice = await party('alice');
  const bob = await party('bob');
  const hammer = await party('mallory');
  let resolveIncoming: (c: Conversation) => void = () => undefined;
  const incoming = new Promise<Conversation>((r) => (resolveIncoming = r));
  const limiter = new FailureLimiter({ perAddress: 5, accountBurst: 1_000 });
  const extra = 10;
  const l = await listen({
    port: 0, account: alice.account, self: alice.self, policy: alice.policy, limiter,
    // Room for every held connection plus a few, so the hammer's attempts reach the limiter;
    // a deadline longer than the test, so the held connections stay held.
    maxPendingHandshakes: n + extra, handshakeTimeoutMs: 100_000, firstFrameTimeoutMs: 100_000,
    onConversation: (c) => resolveIncoming(c),
  });
  let helper: Helper | null = null;
  try {
    const { conv, got } = await conversation(alice, bob, l, incoming);
    const chat = chatter(conv);
    gc();
    const heapBefore = process.memoryUsage().heapUsed;

    helper = slowloris(l.port, n);
    const h = await helper.held;
    assert.equal(h.failed, 0, 'every slowloris connection was accepted by the kernel');
    await waitUntil(() => l.stats().pendingHandshakes >= n, `the listener to hold ${n} handshakes`);

    // Wrong passwords, one after another from 127.0.0.1: 5 are counted, then the limiter refuses.
    const codes: string[] = [];
    for (let i = 0; i < 12; i++) {
      try {
        await connect({ host: '127.0.0.1', port: l.port, busyRetries: 0, account: 'alice', password: new TextEncoder().encode(`guess ${i}`), self: hammer.self, policy: hammer.policy });
        codes.push('ACCEPTED');
      } catch (e) {
        codes.push((e as { code?: string }).code ?? 'unknown');
      }
    }
    assert.deepEqual(codes.slice(0, 5), Array<string>(5).fill('AUTH_FAILED'));
    assert.ok(codes.slice(5).every((c) => c === 'PEER_ALERT'), `refused as busy after 5 failures: ${codes.join(',')}`);

    // Past the raised cap: new connections are refused at once.
    const overflow = Array.from({ length: extra + 5 }, () => rawConnect(l.port));
    await waitUntil(() => l.stats().refusedTooMany >= 5, 'the listener to refuse the 5 connections past the cap');
    for (const o of overflow) o.destroy();

    gc();
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    t.diagnostic(`heap growth with ${n} held connections: ${(heapGrowth / MiB).toFixed(1)} MiB; stats ${JSON.stringify(l.stats())}`);
    assert.ok(heapGrowth < 64 * MiB, `heap growth ${(heapGrowth / MiB).toFixed(1)} MiB stays under 64 MiB`);

    const stillHeld = await helper.count();
    assert.equal(stillHeld.open, n, 'the held connections are still open (deadline not reached)');

    const s = l.stats();
    assert.equal(s.failuresCounted, 5);
    assert.equal(s.refusedByLimiter, 7);
    assert.ok(s.refusedTooMany >= 5, `refusedTooMany ${s.refusedTooMany}`);
    assert.equal(s.sessions, 1, 'only the conversation is established');

    // Releasing the held connections frees every pending slot.
    helper.stop();
    await waitUntil(() => l.stats().pendingHandshakes === 0, 'pending handshakes to return to 0');

    const sent = await chat.stop();
    await within(conv.waitReceipt(conv.send('last')), 'the receipt of "last"');
    assert.ok(sent.length > 0);
    assert.deepEqual(got, [...sent, 'last'], 'every message arrived exactly once, in order');
    await conv.close();
  } finally {
    helper?.stop();
    await l.close();
  }
});

test(`default limits: of 1,000 unauthenticated connections from one address at most ${MAX_PENDING_PER_SOURCE} wait for a deadline and the rest are refused busy; the conversation is unaffected`, { timeout: 120_000 }, async () => {
  const n = heldCount();
  const alice = await party('alice');
  const bob = await party('bob');
  let resolveIncoming: (c: Conversation) => void = () => undefined;
  const incoming = new Promise<Conversation>((r) => (resolveIncoming = r));
  // The deadlines run on the test's clock: on a loaded machine the 1,000 connections can take
  // longer to open than a real deadline, and a slot freed by one would admit a ninth.
  const timers = new ManualTimers();
  const l = await listen({
    port: 0, account: alice.account, self: alice.self, policy: alice.policy, handshakeTimeoutMs: 2_000, timers,
    onConversation: (c) => resolveIncoming(c),
  });
  let helper: Helper | null = null;
  try {
    const { conv, got } = await conversation(alice, bob, l, incoming);
    const chat = chatter(conv);
    helper = slowloris(l.port, n);
    await helper.held;
    await waitUntil(() => l.stats().refusedTooMany + l.stats().pendingHandshakes >= n, `the listener to take or refuse all ${n} connections`);
    assert.equal(l.stats().pendingHandshakes, MAX_PENDING_PER_SOURCE, 'one address holds at most its cap of pending handshakes');
    assert.equal(l.stats().refusedTooMany, n - MAX_PENDING_PER_SOURCE);
    // Every connection ends: the refused ones at once, the admitted ones at the deadline.
    timers.advance(60_000);
    const h = helper;
    await waitUntilAsync(async () => (await h.count()).closedByServer >= n, `the listener to end all ${n} unauthenticated connections`, { maxMs: 100_000 });
    const s = l.stats();
    assert.equal(s.refusedTooMany + s.handshakesFailed, n);
    assert.equal(s.refusedTooMany, n - MAX_PENDING_PER_SOURCE);
    assert.equal(s.failuresCounted, 0, 'connections that never said hello are not counted as failed logins');
    assert.equal(s.pendingHandshakes, 0);
    const sent = await chat.stop();
    assert.deepEqual(got, sent, 'every message arrived exactly once, in order');
    await conv.close();
  } finally {
    helper?.stop();
    await l.close();
  }
});
