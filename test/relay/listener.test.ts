/**
 * Hostile bytes to the relay listener, from raw TCP: each gets its exact code (the relay's
 * event, and the ALERT the client sees), none crashes it or costs more than one frame of
 * memory, and an honest client is served right after.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { crc32 } from 'node:zlib';
import { utf8 } from '../../src/crypto/bytes.js';
import { systemRandom } from '../../src/crypto/random.js';
import { AlertCode } from '../../src/handshake/alert.js';
import { MAX_FRAME_PAYLOAD } from '../../src/limits.js';
import { MemoryStore } from '../../src/relay/memory-store.js';
import { clientHello, keyPairFrom, NK_MESSAGE_BYTES } from '../../src/relay/noise-nk.js';
import { RelayClient } from '../../src/relay/client.js';
import { encodeFrame, FrameType } from '../../src/wire/frame.js';
import { startRelay, type TestRelay } from './_relay.js';
import { waitUntil, within } from '../_util/wait.js';

/** Sends `bytes`, then collects what the relay sends until it closes. */
function exchange(port: number, bytes: Uint8Array, o: { end?: boolean } = {}): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const s: Socket = connect({ host: '127.0.0.1', port });
    const got: Buffer[] = [];
    s.on('data', (d: Buffer) => got.push(d));
    s.on('error', () => undefined);
    s.on('close', () => resolve(new Uint8Array(Buffer.concat(got))));
    s.once('connect', () => {
      if (bytes.length > 0) s.write(bytes);
      if (o.end === true) s.end();
    });
    setTimeout(() => reject(new Error('the relay did not close the hostile connection within 30 s')), 30_000).unref();
  });
}

const alert = (name: keyof typeof AlertCode): Uint8Array => encodeFrame(FrameType.ALERT, Uint8Array.of(AlertCode[name])).raw;

function rawFrame(type: number, payload: Uint8Array, version = 1): Uint8Array {
  const b = new Uint8Array(6 + payload.length + 4);
  b[0] = version;
  b[1] = type;
  new DataView(b.buffer).setUint32(2, payload.length);
  b.set(payload, 6);
  new DataView(b.buffer).setUint32(6 + payload.length, crc32(b.subarray(0, 6 + payload.length)) >>> 0);
  return b;
}

async function honestClientWorks(r: TestRelay): Promise<void> {
  const c = await r.connect();
  const q = await c.createQueue();
  assert.equal(await c.send(q, utf8('still served')), 'stored');
  await c.close();
}

const cases: { name: string; bytes: () => Uint8Array; code: string; alert: keyof typeof AlertCode; end?: boolean }[] = [
  { name: 'garbage (an HTTP request)', bytes: () => utf8('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), code: 'FRAME_MALFORMED', alert: 'protocol_error' },
  { name: 'an unknown frame version', bytes: () => rawFrame(0x09, new Uint8Array(NK_MESSAGE_BYTES), 2), code: 'FRAME_MALFORMED', alert: 'protocol_error' },
  { name: 'a frame announcing more than the limit', bytes: () => Uint8Array.of(1, 0x09, 0xff, 0xff, 0xff, 0xff), code: 'FRAME_TOO_LARGE', alert: 'protocol_error' },
  { name: 'a frame with a bad CRC', bytes: () => rawFrame(0x09, new Uint8Array(NK_MESSAGE_BYTES)).map((b, i, a) => (i === a.length - 1 ? b ^ 1 : b)), code: 'FRAME_CORRUPT', alert: 'protocol_error' },
  { name: 'a password ClientHello instead of RELAY_HELLO', bytes: () => rawFrame(FrameType.CLIENT_HELLO, new Uint8Array(40)), code: 'UNEXPECTED_MESSAGE', alert: 'protocol_error' },
  { name: 'a RECORD before any handshake', bytes: () => rawFrame(FrameType.RECORD, new Uint8Array(40)), code: 'UNEXPECTED_MESSAGE', alert: 'protocol_error' },
  { name: 'a RELAY_HELLO of the wrong length', bytes: () => rawFrame(FrameType.RELAY_HELLO, new Uint8Array(NK_MESSAGE_BYTES + 1)), code: 'DECODE_ERROR', alert: 'protocol_error' },
  { name: 'a RELAY_HELLO made for another relay key', bytes: () => rawFrame(FrameType.RELAY_HELLO, clientHello(systemRandom(32), keyPairFrom(systemRandom(32))).message), code: 'AUTH_FAILED', alert: 'handshake_failed' },
  { name: 'a stream that ends inside a frame', bytes: () => rawFrame(FrameType.RELAY_HELLO, new Uint8Array(NK_MESSAGE_BYTES)).subarray(0, 20), code: 'FRAME_TRUNCATED', alert: 'protocol_error', end: true },
];

test('hostile first frames: exact code and alert each, the relay keeps serving', async () => {
  const r = await startRelay(new MemoryStore());
  try {
    for (const c of cases) {
      r.events.length = 0;
      const reply = await exchange(r.server.port, c.bytes(), c.end === true ? { end: true } : {});
      assert.deepEqual(reply, alert(c.alert), `${c.name}: the alert`);
      await waitUntil(() => r.events.some((e) => e.type === 'handshake-failed'), `${c.name}: the relay's event`);
      const e = r.events.find((x) => x.type === 'handshake-failed');
      assert.equal(e?.type === 'handshake-failed' ? e.error.code : '', c.code, c.name);
    }
    await waitUntil(() => r.server.connections === 0, 'every hostile connection to be dropped');
    await honestClientWorks(r);
  } finally {
    await r.stop();
  }
});

test('a silent client is dropped at the hello deadline (HANDSHAKE_TIMEOUT); a client with a tampered relay reply fails, not the relay', async () => {
  const r = await startRelay(new MemoryStore(), { server: { helloTimeoutMs: 200 } });
  try {
    const reply = await exchange(r.server.port, new Uint8Array(0));
    assert.deepEqual(reply, alert('timeout'));
    assert.ok(r.events.some((e) => e.type === 'handshake-failed' && e.error.code === 'HANDSHAKE_TIMEOUT'));
    // A client that pinned another key: its hello does not authenticate at the relay.
    await assert.rejects(RelayClient.connect({ host: '127.0.0.1', port: r.server.port, relayKey: systemRandom(32) }), (e: unknown) => e instanceof Error && /PEER_ALERT/.test(e.message));
    await honestClientWorks(r);
  } finally {
    await r.stop();
  }
});

test('40 stalled half-frames (each holding one frame buffer) do not stop others', async () => {
  const r = await startRelay(new MemoryStore(), { server: { maxConnectionsPerSource: 1_000 } });
  const socks: Socket[] = [];
  try {
    // 40 connections each announce the largest frame and send half of it, then stall.
    const header = Uint8Array.of(1, FrameType.RELAY_HELLO, 0, 0, 0, 0);
    new DataView(header.buffer).setUint32(2, MAX_FRAME_PAYLOAD);
    for (let i = 0; i < 40; i++) {
      const s = connect({ host: '127.0.0.1', port: r.server.port });
      s.on('error', () => undefined);
      s.write(header);
      s.write(new Uint8Array(MAX_FRAME_PAYLOAD / 2));
      socks.push(s);
    }
    await waitUntil(() => r.server.connections === 40, '40 stalled connections');
    await within(honestClientWorks(r), 'an honest client beside 40 stalled ones', 60_000);
  } finally {
    for (const s of socks) s.destroy();
    await r.stop();
  }
});

test('connections past the per-source cap are refused with busy', async () => {
  const r = await startRelay(new MemoryStore(), { server: { maxConnectionsPerSource: 2 } });
  const a = await r.connect();
  const b = await r.connect();
  try {
    const reply = await exchange(r.server.port, new Uint8Array(0));
    assert.deepEqual(reply, alert('busy'));
    assert.ok(r.events.some((e) => e.type === 'refused'));
  } finally {
    await Promise.all([a.close(), b.close()]);
    await r.stop();
  }
});

test('hostile commands inside the channel: each refused with its code, the connection stays', async () => {
  const r = await startRelay(new MemoryStore());
  const c = await r.connect();
  try {
    const q = await c.createQueue();
    // Oversize message: refused before it is stored.
    await assert.rejects(c.send(q, new Uint8Array(60_001)), (e: unknown) => e instanceof Error && /RELAY_QUOTA/.test(e.message));
    assert.ok(c.open);
    assert.equal(await c.send(q, utf8('fine')), 'stored');
  } finally {
    await c.close();
    await r.stop();
  }
});
