/**
 * ATTACK FINDING R3 (attack2, /work/attack2/FINDINGS.md): after the handshake, a client that
 * sends one byte of a frame that never completes, now and then, holds its relay connection
 * (and the frame buffer its header announced) forever: the idle timeout is the socket's
 * inactivity timer, reset by every byte. Default RELAY_IDLE_TIMEOUT_MS is 10 min, so one
 * byte every 9 min per connection; 64 connections per source, 4 096 in all (64 sources fill
 * the relay; each holds up to a MAX_FRAME_PAYLOAD buffer). Measured in-process with
 * idleTimeoutMs 500: a silent connection closed, one dripping a byte every 200 ms was still
 * open after 6 s.
 *
 * Expected (fails on the current code): a connection that completes no frame within the idle
 * timeout is closed, however many bytes of an unfinished frame it trickles. The test drips
 * for at most 40 idle periods and waits for the close (an event), bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { MemoryStore } from '../../src/relay/memory-store.js';
import { encodeFrame, FrameDecoder, frameHeader, FrameType } from '../../src/wire/frame.js';
import { clientFinish, clientHello, keyPairFrom } from '../../src/relay/noise-nk.js';
import { systemRandom } from '../../src/crypto/random.js';
import { startRelay } from '../relay/_relay.js';
import { within } from '../_util/wait.js';

const IDLE_MS = 300;

test('ATTACK R3: a relay connection trickling an unfinished frame is closed at the idle timeout', { timeout: 120_000 }, async () => {
  const r = await startRelay(new MemoryStore(), { server: { idleTimeoutMs: IDLE_MS } });
  try {
    // The handshake by hand (RelayClient's socket is private), then the drip on that socket.
    const e = keyPairFrom(systemRandom(32));
    const hello = clientHello(r.key.pub, e);
    const sock = connect({ host: '127.0.0.1', port: r.server.port });
    sock.on('error', () => undefined);
    const closed = new Promise<void>((res) => sock.once('close', () => res()));
    const decoder = new FrameDecoder();
    const replied = new Promise<void>((res, rej) => {
      sock.on('data', (d: Buffer) => {
        try {
          for (const f of decoder.push(new Uint8Array(d))) {
            if (f.type === FrameType.RELAY_REPLY) {
              clientFinish(hello.state, e, r.key.pub, f.payload);
              res();
            }
          }
        } catch (err) {
          rej(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    sock.once('connect', () => sock.write(encodeFrame(FrameType.RELAY_HELLO, hello.message).raw));
    await within(replied, 'the relay to answer the hello');
    const header = Buffer.from(frameHeader(FrameType.RECORD, 60_000));
    let sent = 0;
    let iv: NodeJS.Timeout | undefined; // cleared below: once the test passes, it would keep the process alive
    const drip = setInterval(() => {
      if (sock.destroyed || sent > 40 * 3) return;
      sock.write(sent < header.length ? header.subarray(sent, sent + 1) : Buffer.from([0x41]));
      sent++;
    }, IDLE_MS / 3);
    try {
      const outcome = await Promise.race([closed.then(() => 'closed' as const), new Promise<'open'>((res) => {
        iv = setInterval(() => {
          if (sent > 40 * 3) {
            clearInterval(iv);
            res('open');
          }
        }, IDLE_MS);
      })]);
      assert.equal(outcome, 'closed', `the relay still holds a connection that dripped ${sent} bytes of one unfinished frame over ~${sent * (IDLE_MS / 3)} ms (idle timeout ${IDLE_MS} ms)`);
    } finally {
      clearInterval(drip);
      clearInterval(iv);
      sock.destroy();
    }
  } finally {
    await r.stop();
  }
});
