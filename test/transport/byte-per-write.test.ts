/**
 * Issue 10, finding 5, over a real socket: the same 66,559-byte frame sent one byte per write
 * held 2.5 MB per connection (every 1-byte read kept its own socket buffer) against 52 KB in one
 * burst. The receiving FramedSocket must hold one buffer of the announced size, whatever the
 * chunking: asserted at every chunk it reads. (The decoder's own unit test, test/wire/frame.test.ts,
 * checks the same byte by byte and that no pushed chunk stays reachable.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { FramedSocket } from '../../src/transport/framed-socket.js';
import { encodeFrame, FrameType, type Frame } from '../../src/wire/frame.js';
import { FRAME_HEADER_BYTES, FRAME_TRAILER_BYTES } from '../../src/limits.js';
import { within } from '../_util/wait.js';

const TOTAL = 66_559;

test('finding 5: a 66,559-byte frame sent one byte per write: the receiver holds at most the announced size at every chunk', { timeout: 300_000 }, async () => {
  const payload = new Uint8Array(TOTAL - FRAME_HEADER_BYTES - FRAME_TRAILER_BYTES).map((_, i) => (i * 13) & 0xff);
  const raw = encodeFrame(FrameType.RECORD, payload).raw;
  assert.equal(raw.length, TOTAL);
  let chunks = 0;
  let maxRetained = 0;
  const got: Frame[] = [];
  let accepted: Socket | undefined;
  let sendNext: () => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    const server = createServer((s) => {
      accepted = s;
      const fs = new FramedSocket(s, {
        onFrame: (f) => {
          got.push(f);
          resolve();
        },
        onClose: (e) => (e === null ? undefined : reject(e)),
      });
      // After the FramedSocket's own 'data' listener: what it holds once it consumed the chunk.
      s.on('data', () => {
        chunks++;
        maxRetained = Math.max(maxRetained, fs.retainedBytes);
        setImmediate(sendNext); // the next byte only once this one was read: each its own chunk
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      const c = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2', noDelay: true }, () => sendNext());
      // One byte per write, the next once the receiver read the previous one.
      let i = 0;
      sendNext = (): void => {
        if (i >= raw.length) return;
        c.write(raw.subarray(i, i + 1));
        i++;
      };
      c.on('error', reject);
      void done.finally(() => {
        c.destroy();
        accepted?.destroy();
        server.close();
      });
    });
  });
  await within(done, 'the frame to arrive byte by byte', 240_000);
  assert.equal(got.length, 1);
  assert.deepEqual(got[0]?.payload, payload);
  assert.equal(chunks, TOTAL, 'the frame arrived one byte per chunk');
  assert.ok(maxRetained <= TOTAL, `held at most the announced size (${maxRetained} bytes)`);
});
