/**
 * Issue 10, finding 5, over a real socket: the same 66,559-byte frame sent one byte per write
 * held 2.5 MB per connection (every 1-byte read kept its own socket buffer) against 52 KB in one
 * burst. The receiving FramedSocket must keep none of the socket's read buffers behind those
 * 1-byte reads: every chunk it was handed is watched with a WeakRef and, with the frame
 * delivered and the FramedSocket still alive, a gc must collect them (as
 * test/wire/frame.test.ts does for the decoder alone).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { FramedSocket } from '../../src/transport/framed-socket.js';
import { encodeFrame, FrameType, type Frame } from '../../src/wire/frame.js';
import { FRAME_HEADER_BYTES, FRAME_TRAILER_BYTES } from '../../src/limits.js';
import { within } from '../_util/wait.js';

const TOTAL = 66_559;

test('finding 5: a 66,559-byte frame sent one byte per write: no read buffer stays reachable behind the receiver', { timeout: 300_000 }, async () => {
  const payload = new Uint8Array(TOTAL - FRAME_HEADER_BYTES - FRAME_TRAILER_BYTES).map((_, i) => (i * 13) & 0xff);
  const raw = encodeFrame(FrameType.RECORD, payload).raw;
  assert.equal(raw.length, TOTAL);
  const v8 = await import('node:v8');
  const vm = await import('node:vm');
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  let chunks = 0;
  /** The backing store of every chunk the socket read. */
  const reads: WeakRef<ArrayBufferLike>[] = [];
  let receiver: FramedSocket | undefined;
  const got: Frame[] = [];
  let accepted: Socket | undefined;
  let sendNext: () => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    const server = createServer((s) => {
      accepted = s;
      const fs: FramedSocket = new FramedSocket(s, {
        onFrame: (f) => {
          got.push(f);
          resolve();
        },
        onClose: (e) => (e === null ? undefined : reject(e)),
      });
      receiver = fs;
      s.on('data', (b: Buffer) => {
        chunks++;
        reads.push(new WeakRef(b.buffer));
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
  // Collect, then look in a later turn (a deref() keeps its target through its own job).
  let alive = new Set(reads.map((r) => r.deref()).filter((b) => b !== undefined)).size;
  for (let round = 0; round < 20 && alive > 2; round++) {
    await new Promise((r) => setImmediate(r));
    gc();
    await new Promise((r) => setTimeout(r, 10));
    alive = new Set(reads.map((r) => r.deref()).filter((b) => b !== undefined)).size;
  }
  assert.ok(receiver !== undefined, 'the receiving FramedSocket is still reachable');
  // At most the last read's buffer (the socket's own) may remain; a receiver keeping its reads
  // would keep tens of thousands (2.5 MB per connection before finding 5 was fixed).
  assert.ok(alive <= 2, `${alive} distinct read buffers of ${chunks} reads are still reachable behind the receiver`);
});
