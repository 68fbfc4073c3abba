/**
 * Slowloris helper process for the load tests (not a test file itself): opens `count` TCP
 * connections to 127.0.0.1:`port` and holds them, sending nothing or a partial frame, so the
 * test process does not need both ends' file descriptors. Reports over IPC; exits when told
 * to, when its parent goes away, or after 120 s at the latest.
 *
 * argv: port count
 */
import { connect, type Socket } from 'node:net';
import { FrameType } from '../../src/wire/frame.js';

const port = Number(process.argv[2]);
const count = Number(process.argv[3]);
const sockets: Socket[] = [];
let opened = 0;
let failed = 0;
/** Connections that ended (we never close one ourselves before `exit`). */
let closedByServer = 0;

/** Three ways to stall: silence, half a frame header, a header promising more than is sent. */
const STALLS: readonly (Uint8Array | null)[] = [
  null,
  Uint8Array.of(1, FrameType.CLIENT_HELLO, 0),
  Uint8Array.of(1, FrameType.CLIENT_HELLO, 0, 0, 0x01, 0x00, ...new Array<number>(20).fill(7)),
];

function one(i: number): Promise<void> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      opened++;
      const stall = STALLS[i % STALLS.length] ?? null;
      if (stall !== null) s.write(stall);
      resolve();
    });
    s.on('error', () => undefined);
    s.on('data', () => undefined);
    s.once('close', () => {
      closedByServer++;
      resolve();
    });
    s.once('error', () => {
      failed++;
      resolve();
    });
    sockets.push(s);
  });
}

async function main(): Promise<void> {
  // 50 at a time, so the listen backlog never overflows.
  for (let i = 0; i < count; i += 50) await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, k) => one(i + k)));
  process.send?.({ type: 'held', opened, failed });
}

process.on('message', (m: { type: string }) => {
  if (m.type === 'count') {
    process.send?.({ type: 'count', open: sockets.filter((s) => !s.destroyed).length, closedByServer });
  } else if (m.type === 'exit') {
    for (const s of sockets) s.destroy();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(0), 120_000).unref();
// Run directly (e.g. picked up by `node --test DIR`) there is no parent to serve: do nothing.
if (process.send === undefined || !Number.isInteger(port) || !Number.isInteger(count)) process.exit(0);
void main();
