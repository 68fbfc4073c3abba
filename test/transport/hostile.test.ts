/**
 * Hostile connections against a real listener on 127.0.0.1: each is refused with the exact
 * code, and an established conversation on the same listener keeps working throughout.
 * Attackers run from other processes on other loopback addresses (127.0.0.x); deadlines are
 * driven by injected timers (ManualTimers), never by waiting; every listener is closed in a
 * `finally`, setup included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import { listen, type Listener, type ListenerEvent, type ListenOptions } from '../../src/chat/listener.js';
import { connect } from '../../src/chat/connect.js';
import { Initiator } from '../../src/handshake/index.js';
import { DEFAULT_SUITES } from '../../src/chat/connect.js';
import { systemRandom } from '../../src/crypto/random.js';
import { FailureLimiter } from '../../src/transport/limiter.js';
import { FIRST_FRAME_TIMEOUT_MS, HANDSHAKE_TIMEOUT_MS, MAX_PENDING_PER_SOURCE } from '../../src/limits.js';
import { FrameDecoder, FrameType } from '../../src/wire/frame.js';
import type { Conversation } from '../../src/chat/conversation.js';
import { party, type Party } from '../chat/_fixture.js';
import { ManualTimers } from './_manual-timers.js';
import { attacker, type Attacker } from '../load/_attackers.js';
import { waitUntil, waitUntilAsync, within } from '../_util/wait.js';

const FILE_TIMEOUT = { timeout: 180_000 };

function rawConnect(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: '127.0.0.1', port, localAddress }, () => resolve(s));
    s.on('error', reject);
  });
}

/** Reads until the server closes; returns the ALERT code it sent, if any. */
function alertThenClose(s: Socket): Promise<number | null> {
  return within(
    new Promise((resolve) => {
      const d = new FrameDecoder();
      let alert: number | null = null;
      s.on('data', (b: Buffer) => {
        try {
          for (const f of d.push(new Uint8Array(b))) if (f.type === FrameType.ALERT) alert = f.payload[0] ?? null;
        } catch {
          // not our concern here
        }
      });
      s.on('error', () => undefined);
      s.on('close', () => resolve(alert));
    }),
    'the listener to close a raw connection',
  );
}

interface World {
  alice: Party;
  bob: Party;
  l: Listener;
  events: ListenerEvent[];
  conv: Conversation;
  got: string[];
}

/** A listener (alice) with bob's conversation established; `fn` runs, then everything is closed, whatever happens. */
async function withListener(opts: Partial<ListenOptions>, fn: (w: World) => Promise<void>): Promise<void> {
  const alice = await party('alice');
  const bob = await party('bob');
  const events: ListenerEvent[] = [];
  const got: string[] = [];
  let l: Listener | undefined;
  let conv: Conversation | undefined;
  try {
    l = await listen({
      port: 0, account: alice.account, self: alice.self, policy: alice.policy, ...opts,
      onConversation: (c) => {
        c.on('message', (m) => {
          got.push(m.text);
        });
      },
      onEvent: (e) => events.push(e),
    });
    conv = await connect({ host: '127.0.0.1', port: l.port, account: 'alice', password: alice.password, self: bob.self, policy: bob.policy });
    await within(conv.waitReceipt(conv.send('before')), 'the receipt of "before"');
    await fn({ alice, bob, l, events, conv, got });
  } finally {
    if (conv?.isOpen === true) await conv.close().catch(() => undefined);
    await l?.close();
  }
}

function failures(events: ListenerEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'handshake-failed' ? [e.error.code] : e.type === 'refused' ? [e.code] : []));
}

const wrong = (i: number): Uint8Array => new TextEncoder().encode(`guess ${i}`);

async function outcome(p: Promise<Conversation>): Promise<string> {
  try {
    const c = await p;
    await c.close();
    return 'OK';
  } catch (e) {
    const x = e as { code?: string; detail?: string };
    return x.code === 'PEER_ALERT' && /busy/.test(x.detail ?? '') ? 'BUSY' : x.code ?? 'unknown';
  }
}

test('a silent connection is dropped at the first-frame deadline with ALERT timeout (injected clock)', FILE_TIMEOUT, async () => {
  const timers = new ManualTimers();
  await withListener({ timers }, async ({ l, events, conv, got }) => {
    const s = await rawConnect(l.port, '127.0.0.2');
    const closed = alertThenClose(s);
    await waitUntil(() => l.stats().pendingHandshakes === 1, 'the listener to count the silent connection as pending');
    timers.advance(FIRST_FRAME_TIMEOUT_MS - 1);
    await within(conv.waitReceipt(conv.send('during')), 'the receipt of "during"');
    assert.equal(l.stats().pendingHandshakes, 1, 'not dropped before its deadline');
    timers.advance(1);
    assert.equal(await closed, 0x06);
    assert.deepEqual(failures(events), ['HANDSHAKE_TIMEOUT']);
    await within(conv.waitReceipt(conv.send('after')), 'the receipt of "after"');
    assert.deepEqual(got, ['before', 'during', 'after']);
    assert.equal(l.stats().pendingHandshakes, 0);
  });
});

test('a ClientHello and then silence is dropped at the whole-handshake deadline, not the first-frame one', FILE_TIMEOUT, async () => {
  const timers = new ManualTimers();
  await withListener({ timers }, async ({ l, events, bob }) => {
    const s = await rawConnect(l.port, '127.0.0.2');
    const closed = alertThenClose(s);
    const ini = new Initiator({ account: 'alice', password: wrong(0), identity: bob.self, suites: DEFAULT_SUITES, random: systemRandom, checkPeer: () => null });
    s.write(ini.start());
    await waitUntil(() => events.filter((e) => e.type === 'hello').length === 2, 'the listener to answer the raw ClientHello (after bob\'s)');
    timers.advance(FIRST_FRAME_TIMEOUT_MS);
    assert.equal(l.stats().pendingHandshakes, 1, `the first frame arrived: its deadline no longer applies ${JSON.stringify(events.map((e) => (e.type === "handshake-failed" ? e.error.message : e.type)))}`);
    timers.advance(HANDSHAKE_TIMEOUT_MS - FIRST_FRAME_TIMEOUT_MS);
    assert.equal(await closed, 0x06);
    assert.deepEqual(failures(events), ['HANDSHAKE_TIMEOUT']);
  });
});

test('an oversize frame header is refused (FRAME_TOO_LARGE) from its 6 header bytes alone', FILE_TIMEOUT, async () => {
  await withListener({}, async ({ l, events, conv, got }) => {
    const s = await rawConnect(l.port, '127.0.0.2');
    const closed = alertThenClose(s);
    s.write(Uint8Array.of(1, FrameType.CLIENT_HELLO, 0x7f, 0xff, 0xff, 0xff));
    assert.equal(await closed, 0x02);
    assert.deepEqual(failures(events), ['FRAME_TOO_LARGE']);
    await within(conv.waitReceipt(conv.send('after')), 'the receipt of "after"');
    assert.deepEqual(got, ['before', 'after']);
  });
});

test('garbage and zero-length frames are refused with FRAME_MALFORMED; truncated ones with FRAME_TRUNCATED', FILE_TIMEOUT, async () => {
  await withListener({}, async ({ l, events, conv }) => {
    const a = await rawConnect(l.port, '127.0.0.2');
    const ca = alertThenClose(a);
    a.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    assert.equal(await ca, 0x02);
    const b = await rawConnect(l.port, '127.0.0.3');
    const cb = alertThenClose(b);
    b.write(Uint8Array.of(1, FrameType.CLIENT_HELLO, 0, 0, 0, 0));
    assert.equal(await cb, 0x02);
    const c = await rawConnect(l.port, '127.0.0.4');
    const cc = alertThenClose(c);
    c.end(Uint8Array.of(1, FrameType.CLIENT_HELLO, 0, 0, 0, 40, 1, 2, 3));
    await cc;
    assert.deepEqual(failures(events), ['FRAME_MALFORMED', 'FRAME_MALFORMED', 'FRAME_TRUNCATED']);
    await within(conv.waitReceipt(conv.send('still here')), 'the receipt of "still here"');
  });
});

test('a source that keeps sending garbage is penalised: refused at accept, other sources unaffected', FILE_TIMEOUT, async () => {
  await withListener({ admission: { penaltyGarbageMs: 10_000, penaltyMinMs: 15_000 } }, async ({ l, alice, bob }) => {
    for (let i = 0; i < 2; i++) {
      const s = await rawConnect(l.port, '127.0.0.6');
      const closed = alertThenClose(s);
      s.write(Buffer.from('garbage garbage'));
      assert.equal(await closed, 0x02);
    }
    const s = await rawConnect(l.port, '127.0.0.6');
    assert.equal(await alertThenClose(s), 0x04, 'busy at once');
    assert.equal(l.stats().refusedBy.penalty, 1);
    assert.equal(await outcome(connect({ host: '127.0.0.1', port: l.port, localAddress: '127.0.0.9', busyRetries: 0, account: 'alice', password: alice.password, self: bob.self, policy: bob.policy })), 'OK');
  });
});

test('finding 1: 300 silent connections from one address (another process, renewed as they close) do not block logins from another', FILE_TIMEOUT, async () => {
  let att: Attacker | undefined;
  await withListener({}, async ({ l, alice, bob, conv }) => {
    try {
      att = await attacker(l.port, '127.0.0.2', 'silent', 300);
      const a = att;
      await waitUntilAsync(async () => (await a.count()).closedByServer >= 300 - MAX_PENDING_PER_SOURCE, 'the listener to refuse the silent connections past the per-source cap');
      assert.ok(l.stats().pendingHandshakes <= MAX_PENDING_PER_SOURCE, `pending ${l.stats().pendingHandshakes}`);
      const results: string[] = [];
      for (let i = 0; i < 10; i++) {
        results.push(await outcome(connect({ host: '127.0.0.1', port: l.port, localAddress: '127.0.0.9', busyRetries: 0, account: 'alice', password: alice.password, self: bob.self, policy: bob.policy })));
      }
      assert.deepEqual(results, Array<string>(10).fill('OK'), 'every legitimate login from 127.0.0.9 succeeded');
      assert.ok(l.stats().refusedBy.source > 0);
      await within(conv.waitReceipt(conv.send('unaffected')), 'the receipt of "unaffected"');
    } finally {
      await att?.stop();
    }
  });
});

test('finding 2: 60 concurrent guesses from one address: only 10 are evaluated, the right one at guess 55 is refused', FILE_TIMEOUT, async () => {
  const limiter = new FailureLimiter({ perAddress: 10 });
  await withListener({ limiter, admission: { perSource: 100, full: 200, start: 200 } }, async ({ l, alice, bob }) => {
    const tries = Array.from({ length: 60 }, (_, i) =>
      outcome(connect({ host: '127.0.0.1', port: l.port, localAddress: '127.0.0.3', busyRetries: 0, account: 'alice', password: i === 55 ? alice.password : wrong(i), self: bob.self, policy: bob.policy, handshakeTimeoutMs: 120_000 })),
    );
    const results = await within(Promise.all(tries), '60 concurrent login attempts to end', 150_000);
    const evaluated = results.filter((r) => r === 'AUTH_FAILED' || r === 'OK').length;
    assert.equal(evaluated, 10, `evaluated ${evaluated}: ${results.join(',')}`);
    assert.equal(results.filter((r) => r === 'BUSY').length, 50);
    assert.notEqual(results[55], 'OK', 'the right password was not found by racing the limit');
    assert.equal(l.stats().refusedByLimiter, 50);
  });
});

test('finding 3: 30 wrong passwords from four addresses lock nobody out; an empty budget throttles strangers only', FILE_TIMEOUT, async () => {
  const limiter = new FailureLimiter({ accountBurst: 40 });
  await withListener({ limiter }, async ({ l, alice, bob }) => {
    const carol = await party('carol');
    const login = (who: Party, from: string, pw = alice.password): Promise<string> =>
      outcome(connect({ host: '127.0.0.1', port: l.port, localAddress: from, busyRetries: 0, account: 'alice', password: pw, self: who.self, policy: who.policy }));
    // carol logged in earlier from 127.0.0.7.
    assert.equal(await login(carol, '127.0.0.7'), 'OK');
    const mallory = await party('mallory');
    for (let i = 0; i < 30; i++) assert.equal(await login(mallory, `127.0.0.${2 + (i % 4)}`, wrong(i)), 'AUTH_FAILED');
    assert.equal(await login(carol, '127.0.0.7'), 'OK', 'the contact still gets in');
    assert.equal(await login(bob, '127.0.0.9'), 'OK', 'and so does a stranger with the password: 30 guesses lock nothing');
    // Ten more from fresh addresses empty the strangers' bucket (40 tokens, one given back by bob's success).
    for (let i = 0; i < 10; i++) await login(mallory, `127.0.1.${i + 1}`, wrong(100 + i));
    assert.equal(await login(mallory, '127.0.2.1', wrong(200)), 'BUSY', 'strangers are throttled now');
    assert.equal(await login(carol, '127.0.0.7'), 'OK', 'the contact is never refused because of other people\'s wrong passwords');
  });
});

test('one source cannot hold every session: past its cap it is answered busy, other sources still get in (review finding)', FILE_TIMEOUT, async () => {
  await withListener({ maxSessionsPerSource: 2 }, async ({ l, alice, bob }) => {
    const login = (localAddress: string): Promise<Conversation> =>
      connect({ host: '127.0.0.1', port: l.port, localAddress, busyRetries: 0, account: 'alice', password: alice.password, self: bob.self, policy: bob.policy });
    const second = await login('127.0.0.1'); // the setup conversation is the first
    try {
      assert.equal(await outcome(login('127.0.0.1')), 'BUSY', 'a third session from 127.0.0.1 is refused');
      assert.equal(l.stats().refusedBy.sessions, 1);
      assert.equal(await outcome(login('127.0.0.9')), 'OK', 'another source is not affected');
    } finally {
      await second.close();
    }
    await waitUntil(() => l.stats().sessions <= 1, 'the listener to see the second session close');
    assert.equal(await outcome(login('127.0.0.1')), 'OK', 'a freed slot can be used again');
  });
});
