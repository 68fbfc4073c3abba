// Our legacy sender against our legacy listener over real TCP on 127.0.0.1, and the listener
// against misbehaving raw sockets. Every test ends by itself; no timing assertions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSecureChatError } from '../../src/errors.js';
import { utf8 } from '../../src/crypto/bytes.js';
import { LEGACY_WARNING, legacySend, runLegacyListener, type LegacyEvent, type LegacyListenerOptions, type LegacyListenerResult } from '../../src/legacy/net.js';
import { verifyLegacyLog } from '../../src/legacy/log-line.js';
import { waitUntil } from '../_util/wait.js';

interface Running {
  port: number;
  events: LegacyEvent[];
  stop: () => void;
  done: Promise<LegacyListenerResult>;
}

async function listen(extra: Partial<LegacyListenerOptions> = {}): Promise<Running> {
  const ac = new AbortController();
  const events: LegacyEvent[] = [];
  let onListening: (port: number) => void = () => undefined;
  const ready = new Promise<number>((r) => (onListening = r));
  const done = runLegacyListener({
    port: 0,
    password: 'password2',
    signal: ac.signal,
    settleMs: 5,
    ...extra,
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'listening') onListening(e.port);
    },
  });
  done.catch(() => undefined);
  return { port: await ready, events, stop: () => ac.abort(), done };
}

/** Waits (bounded, with a message) until an event matching `pred` was seen. */
async function waitFor(events: LegacyEvent[], pred: (e: LegacyEvent) => boolean, what = 'a matching listener event'): Promise<LegacyEvent> {
  await waitUntil(() => events.some(pred), `${what}; events so far: ${events.map((e) => e.type).join(', ')}`);
  const e = events.find(pred);
  if (e === undefined) throw new Error(`${what} vanished`);
  return e;
}

/** A raw client: sends `msgs` (each after the previous answer), returns everything read until close. */
function raw(port: number, first: string, onData?: (s: Socket, got: string) => void): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => s.write(first));
    let got = '';
    s.on('data', (d) => {
      got += d.toString('latin1');
      onData?.(s, got);
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve(got));
  });
}

test('our sender → our listener over TCP: delivered, logged on both sides, logs verify', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sc-legacy-'));
  try {
    const l = await listen({ logPath: join(dir, 'logging.txt'), now: () => Date.UTC(2026, 10, 25, 20, 44, 13) });
    const sent: LegacyEvent[] = [];
    const text = 'naïve café ✓ "quoted" \'single\' 😀';
    const res = await legacySend({ host: '127.0.0.1', port: l.port, password: 'password2', text, onEvent: (e) => sent.push(e), logPath: join(dir, 'clientlogging.txt'), settleMs: 5 });
    assert.deepEqual(sent[0], { type: 'warning', text: LEGACY_WARNING });
    assert.ok(sent.some((e) => e.type === 'delivered'));
    const msg = await waitFor(l.events, (e) => e.type === 'message');
    assert.equal(msg.type === 'message' && msg.text, text);
    assert.equal(msg.type === 'message' && msg.timestamp, res.timestamp);
    await waitFor(l.events, (e) => e.type === 'closed');
    l.stop();
    assert.deepEqual(await l.done, { connections: 1, messages: 1, failures: 0 });
    assert.deepEqual(l.events[0], { type: 'warning', text: LEGACY_WARNING });
    const rlog = readFileSync(join(dir, 'logging.txt'));
    assert.equal(rlog.toString(), `25-11-2026 20:44:13 + ${text}::HMAC:` + rlog.toString().split('::HMAC:')[1]);
    assert.deepEqual(verifyLegacyLog(rlog, utf8('password2')), { ok: true, entries: 1 });
    assert.deepEqual(verifyLegacyLog(readFileSync(join(dir, 'clientlogging.txt')), utf8('password2')), { ok: true, entries: 1 });
    assert.ok(!l.events.some((e) => e.type === 'error'), JSON.stringify(l.events));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('wrong password: the sender gets AUTH_FAILED, the listener answered nack:Invalid response', async () => {
  const l = await listen({ maxConnections: 1 });
  await assert.rejects(
    legacySend({ host: '127.0.0.1', port: l.port, password: 'wrong', text: 'x', settleMs: 5 }),
    (e: unknown) => isSecureChatError(e) && e.code === 'AUTH_FAILED',
  );
  assert.deepEqual(await l.done, { connections: 1, messages: 0, failures: 1 });
  const err = l.events.find((e) => e.type === 'error');
  assert.equal(err?.type === 'error' && err.code, 'AUTH_FAILED');
  assert.equal(err?.type === 'error' && err.reply, 'nack:Invalid response');
});

test('bad hello, garbage, oversize: the exact v0 answer, then the listener serves the next sender', async () => {
  const l = await listen();
  assert.equal(await raw(l.port, 'hi:there'), 'nack:Invalid message format');
  assert.equal(await raw(l.port, '\x00\xff garbage \x7f'), 'nack:Invalid message format');
  // oversize: a key that never ends
  const got = await raw(l.port, 'hello:None', (s, sofar) => {
    if (sofar.endsWith('-----END PUBLIC KEY-----\n')) s.write('-----BEGIN PUBLIC KEY-----\n' + 'A'.repeat(2000));
  });
  assert.ok(got.endsWith('-----END PUBLIC KEY-----\nnack:Invalid message format'), got);
  await legacySend({ host: '127.0.0.1', port: l.port, password: 'password2', text: 'after the garbage', settleMs: 5 });
  l.stop();
  const res = await l.done;
  assert.deepEqual(res, { connections: 4, messages: 1, failures: 3 });
  const codes = l.events.filter((e) => e.type === 'error').map((e) => (e.type === 'error' ? e.code : ''));
  assert.deepEqual(codes, ['DECODE_ERROR', 'DECODE_ERROR', 'FRAME_TOO_LARGE']);
});

test('a sender that never finishes hits the deadline; the next sender is served', async () => {
  const l = await listen({ deadlineMs: 300 });
  // sends the hello and then nothing; the listener closes it at its deadline
  const got = await raw(l.port, 'hello:None');
  assert.ok(got.startsWith('-----BEGIN PUBLIC KEY-----\n'));
  const err = await waitFor(l.events, (e) => e.type === 'error');
  assert.equal(err.type === 'error' && err.code, 'HANDSHAKE_TIMEOUT');
  await legacySend({ host: '127.0.0.1', port: l.port, password: 'password2', text: 'next', settleMs: 5 });
  l.stop();
  assert.equal((await l.done).messages, 1);
});

test('senders arriving together are served one after another', async () => {
  const l = await listen();
  const texts = ['one', 'two', 'three'];
  await Promise.all(texts.map((text) => legacySend({ host: '127.0.0.1', port: l.port, password: 'password2', text, settleMs: 5 })));
  l.stop();
  assert.deepEqual(await l.done, { connections: 3, messages: 3, failures: 0 });
  const got = l.events.filter((e) => e.type === 'message').map((e) => (e.type === 'message' ? e.text : ''));
  assert.deepEqual([...got].sort(), [...texts].sort());
});

test('legacySend: connection refused, a silent receiver (timeout), a text too long', async () => {
  const l = await listen();
  const port = l.port;
  l.stop();
  await l.done;
  await assert.rejects(legacySend({ host: '127.0.0.1', port, password: 'p', text: 'x' }), (e: unknown) => isSecureChatError(e) && e.code === 'CONNECTION_REFUSED');
  await assert.rejects(legacySend({ host: '127.0.0.1', port: 1, password: 'p', text: 'x'.repeat(2000) }), (e: unknown) => isSecureChatError(e) && e.code === 'USAGE');
  // a server that accepts and says nothing
  const { createServer } = await import('node:net');
  const silent = createServer((s) => s.on('error', () => undefined).resume());
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const addr = silent.address();
  const sp = typeof addr === 'object' && addr !== null ? addr.port : 0;
  await assert.rejects(legacySend({ host: '127.0.0.1', port: sp, password: 'p', text: 'x', timeoutMs: 200 }), (e: unknown) => isSecureChatError(e) && e.code === 'HANDSHAKE_TIMEOUT');
  await new Promise<void>((r) => silent.close(() => r()));
});

test('the listener refuses a port in use with ADDRESS_IN_USE', async () => {
  const l = await listen();
  await assert.rejects(runLegacyListener({ port: l.port, password: 'x' }), (e: unknown) => isSecureChatError(e) && e.code === 'ADDRESS_IN_USE');
  l.stop();
  await l.done;
});

test('the warning names every weakness', () => {
  for (const w of [/offline/, /man in the middle/, /CRC32 is not a MAC/, /1024-bit/, /IV is fixed/, /unauthenticated/]) assert.match(LEGACY_WARNING, w);
});
