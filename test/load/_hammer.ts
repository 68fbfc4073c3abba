/**
 * Wrong-password hammer for the load test (not a test file): from each local address given,
 * one password login after another with a wrong password, until told to stop. Reports the
 * outcomes by code over IPC. Exits when its parent goes away, or after 10 minutes at the latest.
 *
 *   node _hammer.js PORT ADDR [ADDR...]
 */
import { connect } from '../../src/chat/connect.js';
import { party } from '../chat/_fixture.js';

const port = Number(process.argv[2]);
const addrs = process.argv.slice(3);
const outcomes: Record<string, number> = {};
let running = true;
if (process.send === undefined || !Number.isInteger(port)) process.exit(0);
const mallory = await party('mallory');

async function hammer(from: string): Promise<void> {
  for (let i = 0; running; i++) {
    let code = 'OK';
    try {
      const c = await connect({ host: '127.0.0.1', port, localAddress: from, busyRetries: 0, account: 'alice', password: new TextEncoder().encode(`guess ${from} ${i}`), self: mallory.self, policy: mallory.policy });
      await c.close();
    } catch (e) {
      const x = e as { code?: string; alert?: string };
      code = x.code === 'PEER_ALERT' ? `PEER_ALERT:${x.alert ?? ''}` : x.code ?? 'unknown';
    }
    outcomes[code] = (outcomes[code] ?? 0) + 1;
    // A refused attempt costs the listener nothing; do not spin.
    if (code.startsWith('PEER_ALERT:busy')) await new Promise((r) => setTimeout(r, 50));
  }
}

process.on('message', (m: { type: string }) => {
  if (m.type === 'count') process.send?.({ type: 'count', outcomes });
  else if (m.type === 'exit') {
    running = false;
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(0), 10 * 60_000).unref();
for (const a of addrs) void hammer(a);
process.send({ type: 'started' });
