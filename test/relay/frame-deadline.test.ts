/**
 * The relay's frame deadline (attack finding R3), with injected timers: after the handshake, a
 * frame must complete within `frameTimeoutMs` of its first byte. A complete frame cancels the
 * deadline; bytes of an unfinished one never extend it. The deadline is an event the test
 * causes (ManualTimers.advance), never a wait on the wall clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { MemoryStore } from '../../src/relay/memory-store.js';
import { encodeFrame, FrameDecoder, frameHeader, FrameType } from '../../src/wire/frame.js';
import { clientFinish, clientHello, keyPairFrom } from '../../src/relay/noise-nk.js';
import { systemRandom } from '../../src/crypto/random.js';
import { ManualTimers } from '../transport/_manual-timers.js';
import { startRelay, type TestRelay } from './_relay.js';
import { waitUntil, within } from '../_util/wait.js';

const FRAME_MS = 1_000;

async function handshaken(r: TestRelay): Promise<{ sock: Socket; closed: () => boolean }> {
  const e = keyPairFrom(systemRandom(32));
  const hello = clientHello(r.key.pub, e);
  const sock = connect({ host: '127.0.0.1', port: r.server.port });
  sock.on('error', () => undefined);
  let isClosed = false;
  sock.once('close', () => (isClosed = true));
  const decoder = new FrameDecoder();
  const replied = new Promise<void>((res) => {
    sock.on('data', (d: Buffer) => {
      for (const f of decoder.push(new Uint8Array(d))) if (f.type === FrameType.RELAY_REPLY) {
        clientFinish(hello.state, e, r.key.pub, f.payload);
        res();
      }
    });
  });
  sock.once('connect', () => sock.write(encodeFrame(FrameType.RELAY_HELLO, hello.message).raw));
  await within(replied, 'the relay to answer the hello');
  return { sock, closed: () => isClosed };
}

test('R3: a frame not complete within the frame deadline of its first byte ends the connection, however it trickles', async () => {
  const timers = new ManualTimers();
  const r = await startRelay(new MemoryStore(), { server: { timers, frameTimeoutMs: FRAME_MS } });
  try {
    const { sock, closed } = await handshaken(r);
    const header = frameHeader(FrameType.RECORD, 60_000);
    sock.write(header.subarray(0, 3));
    await waitUntil(() => timers.waiting === 1, 'the relay to arm the frame deadline on the first bytes of a frame');
    for (let i = 0; i < 9; i++) {
      sock.write(Buffer.from([i < 3 ? (header[3 + i] ?? 0) : 0x41]));
      timers.advance(FRAME_MS / 10);
    }
    await new Promise((res) => setImmediate(res));
    assert.equal(closed(), false, 'still open before the deadline');
    assert.equal(timers.waiting, 1, 'the trickled bytes did not add or move deadlines');
    timers.advance(FRAME_MS / 10);
    await waitUntil(closed, 'the relay to close the connection at the frame deadline');
    assert.equal(r.server.connections, 0);
  } finally {
    await r.stop();
  }
});

test('R3: complete frames leave no deadline behind: a quiet client past many frame deadlines still works', async () => {
  const timers = new ManualTimers();
  const r = await startRelay(new MemoryStore(), { server: { timers, frameTimeoutMs: FRAME_MS } });
  const c = await r.connect();
  try {
    const q = await c.createQueue();
    await c.send(q, new Uint8Array(50_000).fill(7)); // a frame larger than one socket read
    timers.advance(10 * FRAME_MS);
    assert.equal(timers.waiting, 0, 'no frame deadline is armed between frames');
    const got = await c.receive(q);
    assert.equal(got.length, 1);
    assert.equal(c.open, true);
  } finally {
    await c.close();
    await r.stop();
  }
});
