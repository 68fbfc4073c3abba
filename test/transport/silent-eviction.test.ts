/**
 * Issue 10, F3 (outside attack): sources that hold silent connections and close each just
 * before the 5 s first-frame deadline (then open the next) kept every pending handshake slot
 * full, so every newcomer was answered busy. Now, when every slot is taken, the oldest
 * connection that has sent no whole frame for SILENT_EVICT_AFTER_MS gives its slot to the
 * newcomer. Real sockets from 127.0.0.2–5 (another process would change nothing: the
 * listener sees sources), deadlines on injected timers, so nothing here waits on the clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect, createServer, type Socket } from 'node:net';
import { listen, type ListenerEvent } from '../../src/chat/listener.js';
import { connect } from '../../src/chat/connect.js';
import { FIRST_FRAME_TIMEOUT_MS, SILENT_EVICT_AFTER_MS } from '../../src/limits.js';
import { FrameDecoder, FrameType } from '../../src/wire/frame.js';
import { party } from '../chat/_fixture.js';
import { ManualTimers } from './_manual-timers.js';
import { waitUntil, within } from '../_util/wait.js';

const SOURCES = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];

interface Held {
  readonly socket: Socket;
  /** The ALERT code the listener sent before closing, once it closed (undefined: still open). */
  alert: number | null | undefined;
}

function hold(port: number, from: string): Promise<Held> {
  return new Promise((resolve, reject) => {
    const h: Held = { socket: netConnect({ host: '127.0.0.1', port, localAddress: from }, () => resolve(h)), alert: undefined };
    const d = new FrameDecoder();
    let alert: number | null = null;
    h.socket.on('data', (b: Buffer) => {
      try {
        for (const f of d.push(new Uint8Array(b))) if (f.type === FrameType.ALERT) alert = f.payload[0] ?? null;
      } catch {
        // not our concern
      }
    });
    h.socket.on('error', reject);
    h.socket.on('close', () => (h.alert = alert));
  });
}

test('F3: slots held by silent connections renewed just before the first-frame deadline do not keep a newcomer out', { timeout: 120_000 }, async () => {
  const alice = await party('alice');
  const bob = await party('bob');
  const timers = new ManualTimers();
  const events: ListenerEvent[] = [];
  const l = await listen({
    port: 0, account: alice.account, self: alice.self, policy: alice.policy, timers,
    admission: { full: 8, start: 8, perSource: 2 },
    onConversation: (c) => c.on('message', () => undefined), onEvent: (e) => events.push(e),
  });
  let held: Held[] = [];
  try {
    // The attack, two rounds: fill every slot from four sources, wait until just before the
    // first-frame deadline, close them all and open the next ones.
    for (let round = 0; round < 2; round++) {
      held = await Promise.all(SOURCES.flatMap((s) => [hold(l.port, s), hold(l.port, s)]));
      await waitUntil(() => l.stats().pendingHandshakes === 8, `the listener to count 8 silent connections as pending (round ${round})`);
      timers.advance(FIRST_FRAME_TIMEOUT_MS - 100);
      if (round === 0) {
        for (const h of held) h.socket.destroy();
        await waitUntil(() => l.stats().pendingHandshakes === 0, 'the listener to see the silent connections leave');
      }
    }
    assert.ok(FIRST_FRAME_TIMEOUT_MS - 100 >= SILENT_EVICT_AFTER_MS);
    assert.equal(l.stats().pendingHandshakes, 8, 'every slot is held');

    // A legitimate login now, without retrying a busy answer: it gets the oldest silent slot.
    const conv = await within(
      connect({ host: '127.0.0.1', port: l.port, localAddress: '127.0.0.9', busyRetries: 0, account: 'alice', password: alice.password, self: bob.self, policy: bob.policy }).then(
        (c) => c,
        (e: unknown) => assert.fail(`the login was refused: ${(e as { code?: string }).code ?? ''} ${(e as Error).message}`),
      ),
      'the legitimate login while every slot is held',
    );
    await within(conv.waitReceipt(conv.send('through')), 'the receipt of "through"');
    await conv.close();
    await waitUntil(() => held.some((h) => h.alert !== undefined), 'the listener to drop one silent connection');
    const dropped = held.filter((h) => h.alert !== undefined);
    assert.equal(dropped.length, 1, 'exactly one silent connection gave its slot');
    assert.equal(dropped[0]?.alert, 0x04, 'answered ALERT busy');
    assert.equal(l.stats().evictedSilent, 1);
    assert.ok(l.stats().pendingHandshakes <= 8, 'never past the cap');

  } finally {
    for (const h of held) h.socket.destroy();
    await l.close();
  }
});

test('F3: a connection silent for less than SILENT_EVICT_AFTER_MS keeps its slot (it may be about to speak): the newcomer is answered busy', { timeout: 120_000 }, async () => {
  const alice = await party('alice');
  const bob = await party('bob');
  const timers = new ManualTimers();
  const l = await listen({ port: 0, account: alice.account, self: alice.self, policy: alice.policy, timers, admission: { full: 8, start: 8, perSource: 2 }, onConversation: (c) => c.on('message', () => undefined) });
  let held: Held[] = [];
  try {
    held = await Promise.all(SOURCES.flatMap((s) => [hold(l.port, s), hold(l.port, s)]));
    await waitUntil(() => l.stats().pendingHandshakes === 8, 'the listener to count 8 silent connections as pending');
    timers.advance(SILENT_EVICT_AFTER_MS - 1);
    const outcome = await within(
      connect({ host: '127.0.0.1', port: l.port, localAddress: '127.0.0.9', busyRetries: 0, account: 'alice', password: alice.password, self: bob.self, policy: bob.policy }).then(
        async (c) => {
          await c.close();
          return 'OK';
        },
        (e: unknown) => `${(e as { code?: string }).code ?? ''} ${(e as { alert?: string }).alert ?? ''}`,
      ),
      'the login while every slot is held by young connections',
    );
    assert.equal(outcome, 'PEER_ALERT busy');
    assert.equal(l.stats().evictedSilent, 0);
    assert.ok(held.every((h) => h.alert === undefined), 'no held connection was dropped');
  } finally {
    for (const h of held) h.socket.destroy();
    await l.close();
  }
});

// Issue 10 review: "silent" meant "no whole frame SILENT_EVICT_AFTER_MS after accept" and the
// oldest such connection was evicted, so an attacker keeping its own connections younger than
// that made a slow legitimate client (a high-latency path) the victim, and penalised its
// source. Now the victim is picked by source (penalised, then most silent connections, then
// nothing received, then youngest), after pending input is read, and is not penalised.
test('F3: a slow legitimate login (its hello held by a proxy) survives an attacker from many sources churning young silent connections', { timeout: 120_000 }, async () => {
  const alice = await party('alice');
  const bob = await party('bob');
  const timers = new ManualTimers();
  const l = await listen({ port: 0, account: alice.account, self: alice.self, policy: alice.policy, timers, admission: { full: 4, start: 4, perSource: 4 }, onConversation: (c) => c.on('message', () => undefined) });
  // A delaying proxy from 127.0.0.9: the client's bytes reach the listener only after release().
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const proxy = createServer((c) => {
    const up = netConnect({ host: '127.0.0.1', port: l.port, localAddress: '127.0.0.9' });
    c.on('data', (b: Buffer) => void gate.then(() => up.write(b)));
    up.on('data', (b: Buffer) => c.write(b));
    up.on('close', () => c.destroy());
    c.on('close', () => up.destroy());
    up.on('error', () => undefined);
    c.on('error', () => undefined);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const a = proxy.address();
  const proxyPort = typeof a === 'object' && a !== null ? a.port : 0;
  let held: Held[] = [];
  try {
    const login = connect({ host: '127.0.0.1', port: proxyPort, busyRetries: 0, account: 'alice', password: alice.password, self: bob.self, policy: bob.policy }).then(
      async (c) => {
        await c.close();
        return 'OK';
      },
      (e: unknown) => `${(e as { code?: string }).code ?? ''} ${(e as { alert?: string }).alert ?? ''}`,
    );
    await waitUntil(() => l.stats().pendingHandshakes === 1, 'the listener to count the slow login as pending');
    timers.advance(SILENT_EVICT_AFTER_MS); // its hello is still on its way
    held = await Promise.all(['127.0.0.2', '127.0.0.3', '127.0.0.4'].map((s) => hold(l.port, s))); // young, one per source
    await waitUntil(() => l.stats().pendingHandshakes === 4, 'every slot to be taken');
    held.push(await hold(l.port, '127.0.0.5')); // the attacker's newcomer
    await waitUntil(() => l.stats().evictedSilent === 1, 'one silent connection to give its slot');
    release();
    assert.equal(await within(login, 'the slow login'), 'OK', 'the slow legitimate login was not the one evicted');
    await waitUntil(() => held.some((h) => h.alert !== undefined), 'the evicted attacker connection to be closed');
    assert.equal(held.filter((h) => h.alert !== undefined).length, 1, 'one attacker connection gave its slot');
  } finally {
    for (const h of held) h.socket.destroy();
    proxy.close();
    await l.close();
  }
});
