/**
 * Hostile connections against a real listener on 127.0.0.1: each is refused with the exact
 * code, and an established conversation on the same listener keeps working throughout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import { listen, type ListenerEvent } from '../../src/chat/listener.js';
import { connect } from '../../src/chat/connect.js';
import { FailureLimiter } from '../../src/transport/limiter.js';
import { FrameDecoder, FrameType } from '../../src/wire/frame.js';
import type { Conversation } from '../../src/chat/conversation.js';
import { party } from '../chat/_fixture.js';

function rawConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: '127.0.0.1', port }, () => resolve(s));
    s.on('error', reject);
  });
}

/** Reads until the server closes; returns the ALERT code it sent, if any. */
function alertThenClose(s: Socket): Promise<number | null> {
  return new Promise((resolve) => {
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
  });
}

async function setup(opts: { handshakeTimeoutMs?: number; maxPendingHandshakes?: number; limiter?: FailureLimiter } = {}) {
  const alice = await party('alice');
  const bob = await party('bob');
  const events: ListenerEvent[] = [];
  const incoming: Conversation[] = [];
  const got: string[] = [];
  const l = await listen({
    port: 0, account: alice.account, self: alice.self, policy: alice.policy, ...opts,
    onConversation: (c) => {
      incoming.push(c);
      c.on('message', (m) => {
        got.push(m.text);
      });
    },
    onEvent: (e) => events.push(e),
  });
  const conv = await connect({ host: '127.0.0.1', port: l.port, account: 'alice', password: alice.password, self: bob.self, policy: bob.policy });
  await conv.waitReceipt(conv.send('before'));
  return { alice, bob, l, events, conv, got };
}

function failures(events: ListenerEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'handshake-failed' ? [e.error.code] : e.type === 'refused' ? [e.code] : []));
}

test('a half-open connection that never completes is dropped at the deadline with ALERT timeout', async () => {
  const { l, events, conv, got } = await setup({ handshakeTimeoutMs: 300 });
  try {
    const s = await rawConnect(l.port);
    const closed = alertThenClose(s);
    await conv.waitReceipt(conv.send('during'));
    assert.equal(await closed, 0x06);
    assert.deepEqual(failures(events), ['HANDSHAKE_TIMEOUT']);
    await conv.waitReceipt(conv.send('after'));
    assert.deepEqual(got, ['before', 'during', 'after']);
    assert.equal(l.stats().pendingHandshakes, 0);
  } finally {
    await conv.close();
    await l.close();
  }
});

test('an oversize frame header is refused (FRAME_TOO_LARGE) from its 6 header bytes alone', async () => {
  const { l, events, conv, got } = await setup();
  try {
    const s = await rawConnect(l.port);
    const closed = alertThenClose(s);
    s.write(Uint8Array.of(1, FrameType.CLIENT_HELLO, 0x7f, 0xff, 0xff, 0xff));
    assert.equal(await closed, 0x02);
    assert.deepEqual(failures(events), ['FRAME_TOO_LARGE']);
    await conv.waitReceipt(conv.send('after'));
    assert.deepEqual(got, ['before', 'after']);
  } finally {
    await conv.close();
    await l.close();
  }
});

test('garbage and zero-length frames are refused with FRAME_MALFORMED; truncated ones with FRAME_TRUNCATED', async () => {
  const { l, events, conv } = await setup();
  try {
    const a = await rawConnect(l.port);
    const ca = alertThenClose(a);
    a.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    assert.equal(await ca, 0x02);
    const b = await rawConnect(l.port);
    const cb = alertThenClose(b);
    b.write(Uint8Array.of(1, FrameType.CLIENT_HELLO, 0, 0, 0, 0));
    assert.equal(await cb, 0x02);
    const c = await rawConnect(l.port);
    const cc = alertThenClose(c);
    c.end(Uint8Array.of(1, FrameType.CLIENT_HELLO, 0, 0, 0, 40, 1, 2, 3));
    await cc;
    assert.deepEqual(failures(events), ['FRAME_MALFORMED', 'FRAME_MALFORMED', 'FRAME_TRUNCATED']);
    await conv.waitReceipt(conv.send('still here'));
  } finally {
    await conv.close();
    await l.close();
  }
});

test('over the cap of unfinished handshakes, new connections get ALERT busy at once', async () => {
  const { l, events, conv } = await setup({ maxPendingHandshakes: 2, handshakeTimeoutMs: 5_000 });
  const held: Socket[] = [];
  try {
    for (let i = 0; i < 2; i++) held.push(await rawConnect(l.port));
    for (let i = 0; i < 50 && l.stats().pendingHandshakes < 2; i++) await new Promise((r) => setTimeout(r, 10));
    const s = await rawConnect(l.port);
    assert.equal(await alertThenClose(s), 0x04);
    assert.deepEqual(failures(events), ['TOO_MANY_CONNECTIONS']);
    await conv.waitReceipt(conv.send('unaffected'));
  } finally {
    for (const h of held) h.destroy();
    await conv.close();
    await l.close();
  }
});

test('after too many wrong passwords from an address, the limiter answers busy before any OPAQUE work', async () => {
  const limiter = new FailureLimiter({ perAddress: 2, perAccount: 100 });
  const { alice, bob, l, events, conv } = await setup({ limiter });
  try {
    const wrong = new TextEncoder().encode('guess');
    for (let i = 0; i < 2; i++) {
      await assert.rejects(connect({ host: '127.0.0.1', port: l.port, account: 'alice', password: wrong, self: bob.self, policy: bob.policy }), (e: { code?: string }) => e.code === 'AUTH_FAILED');
    }
    for (let i = 0; i < 100 && limiter.stats().failures < 2; i++) await new Promise((r) => setTimeout(r, 10));
    // Even the right password is refused now: the limiter acts before looking at it.
    await assert.rejects(
      connect({ host: '127.0.0.1', port: l.port, account: 'alice', password: alice.password, self: bob.self, policy: bob.policy }),
      (e: { code?: string; detail?: string }) => e.code === 'PEER_ALERT' && /busy/.test(e.detail ?? ''),
    );
    assert.equal(l.stats().refusedByLimiter, 1);
    assert.ok(failures(events).includes('RATE_LIMITED'));
    await conv.waitReceipt(conv.send('unaffected'));
  } finally {
    await conv.close();
    await l.close();
  }
});
