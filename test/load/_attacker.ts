/**
 * Attacker helper process for the transport and load tests (not a test file): raw TCP
 * clients against 127.0.0.1:PORT from local address FROM (127.0.0.x), so the listener under
 * test sees another source and the test process holds none of these sockets.
 *
 *   node _attacker.js PORT FROM MODE COUNT [RENEW_MS]
 *
 * MODE: `silent` (connect and say nothing), `drip` (one byte of a ClientHello header every
 * 5 s), `garbage` (at once: every other slot bytes that are no frame at all, the others a
 * well-formed frame, right CRC, whose ClientHello payload is random bytes). Each of COUNT slots keeps one connection open:
 * when the listener closes it, the slot reconnects (renewed as they close). Reports over IPC
 * on request; stops when told, when its parent goes away, or after 10 minutes at the latest.
 */
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { encodeFrame, FrameType } from '../../src/wire/frame.js';

const port = Number(process.argv[2]);
const from = process.argv[3] ?? '127.0.0.1';
const mode = process.argv[4] ?? 'silent';
const count = Number(process.argv[5] ?? '1');
/** Wait before a slot reconnects after the listener closed it. */
const renewMs = Number(process.argv[6] ?? '20');
const sockets = new Set<Socket>();
let opened = 0;
let closedByServer = 0;
let errors = 0;
let stopping = false;

const HEADER = Uint8Array.of(1, FrameType.CLIENT_HELLO, 0, 0, 0x01, 0x00);
const GARBAGE = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n');

let slots = 0;
function slot(n = slots++): void {
  if (stopping) return;
  const s = connect({ host: '127.0.0.1', port, localAddress: from });
  sockets.add(s);
  let drip: NodeJS.Timeout | undefined;
  s.on('connect', () => {
    opened++;
    if (mode === 'garbage') s.write(n % 2 === 0 ? GARBAGE : encodeFrame(FrameType.CLIENT_HELLO, new Uint8Array(randomBytes(200))).raw);
    if (mode === 'drip') {
      let i = 0;
      drip = setInterval(() => {
        if (i < HEADER.length) s.write(HEADER.subarray(i, i + 1));
        i++;
      }, 5_000);
    }
  });
  s.on('data', () => undefined);
  s.on('error', () => errors++);
  s.once('close', () => {
    clearInterval(drip);
    sockets.delete(s);
    closedByServer++;
    // Renew, but not in a tight loop against a listener that refuses at once.
    if (!stopping) setTimeout(() => slot(n), renewMs).unref();
  });
}

process.on('message', (m: { type: string }) => {
  if (m.type === 'count') process.send?.({ type: 'count', open: sockets.size, opened, closedByServer, errors });
  else if (m.type === 'exit') {
    stopping = true;
    for (const s of sockets) s.destroy();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(0), 10 * 60_000).unref();
if (process.send === undefined || !Number.isInteger(port) || !Number.isInteger(count)) process.exit(0);
// 50 at a time, so the listen backlog never overflows.
let started = 0;
const wave = (): void => {
  for (let k = 0; k < 50 && started < count; k++, started++) slot();
  if (started < count) setTimeout(wave, 10);
  else process.send?.({ type: 'started' });
};
wave();
