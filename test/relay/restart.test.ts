/**
 * The relay as users run it (`securechat relay`, a child process), on SQLite and on a real
 * nats-server: alice sends to offline bob, the relay is `kill -9`ed and restarted, bob comes
 * online: every message arrives exactly once. With two relays on one NATS, a client switching
 * from one to the other loses nothing; their group log still has one winner per position.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { toHex, utf8 } from '../../src/crypto/bytes.js';
import type { Queue, RelayClient } from '../../src/relay/client.js';
import { cleanup, freePort, tempDir } from '../cli/_harness.js';
import { startNats } from './_nats.js';
import { startCliRelay } from './_cli-relay.js';
import { waitUntil } from '../_util/wait.js';

after(cleanup);

const N = 20;

/** Reads and acknowledges everything in `q`; returns the texts in order. */
async function drain(c: RelayClient, q: Queue): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const got = await c.receive(q, 0, 8);
    if (got.length === 0) return out;
    for (const m of got) {
      out.push(new TextDecoder().decode(m.data));
      assert.equal(await c.ack(q, m.seq), true);
    }
  }
}

async function killAndRestart(storeArg: (dir: string) => string): Promise<void> {
  const home = await tempDir();
  const port = await freePort();
  const args = ['--port', String(port), '--store', storeArg(home)];
  let relay = await startCliRelay(home, args);
  const bob = await relay.connect();
  const q = await bob.createQueue();
  await bob.close(); // bob goes offline
  const alice = await relay.connect();
  const ids: Uint8Array[] = [];
  for (let i = 0; i < N; i++) {
    ids.push(new Uint8Array(16).fill(i + 1));
    assert.equal(await alice.send(q, utf8(`message ${i}`), ids[i]), 'stored');
  }
  await relay.kill9();
  await waitUntil(() => !alice.open, "alice's client to notice the relay is gone");
  relay = await startCliRelay(home, args);
  // alice does not know whether her last send arrived: she sends it again, with its id.
  const alice2 = await relay.connect();
  assert.equal(await alice2.send(q, utf8(`message ${N - 1}`), ids[N - 1]), 'duplicate');
  await alice2.close();
  const bob2 = await relay.connect();
  const got = await drain(bob2, q);
  assert.deepEqual(got, Array.from({ length: N }, (_, i) => `message ${i}`), 'every message once, in order');
  assert.deepEqual(await drain(bob2, q), [], 'acknowledged messages are gone');
  await bob2.close();
  await relay.kill9();
}

test('SQLite: kill -9 the relay between send and receive; every message arrives once', { timeout: 300_000 }, async () => {
  await killAndRestart((home) => `sqlite:${join(home, 'relay.db')}`);
});

test('NATS: kill -9 the relay between send and receive; every message arrives once', { timeout: 300_000 }, async () => {
  const nats = await startNats();
  try {
    await killAndRestart(() => nats.url);
  } finally {
    await nats.stop();
  }
});

test('NATS: two relays, one key: a client switching from one to the other loses nothing', { timeout: 300_000 }, async () => {
  const nats = await startNats();
  const home = await tempDir();
  try {
    const keyFile = join(home, 'shared-relay-key.json');
    const a = await startCliRelay(home, ['--port', '0', '--store', nats.url, '--key', keyFile]);
    const b = await startCliRelay(home, ['--port', '0', '--store', nats.url, '--key', keyFile]);
    assert.equal(toHex(a.key), toHex(b.key), 'both relays are the relay the client pinned');
    const bobA = await a.connect();
    const q = await bobA.createQueue();
    const bobB = await b.connect();
    let told = 0;
    await bobB.subscribe(q, () => told++);
    const alice = await a.connect();
    for (let i = 0; i < 5; i++) await alice.send(q, utf8(`via a ${i}`));
    await alice.close();
    await a.kill9(); // relay a dies: alice switches to b
    const alice2 = await b.connect();
    for (let i = 0; i < 5; i++) await alice2.send(q, utf8(`via b ${i}`));
    await waitUntil(() => told >= 10, 'relay b telling bob of all 10 messages (5 stored through relay a)');
    assert.deepEqual(await drain(bobB, q), [...[0, 1, 2, 3, 4].map((i) => `via a ${i}`), ...[0, 1, 2, 3, 4].map((i) => `via b ${i}`)]);
    // The group log across relays: one winner per position.
    const c = await startCliRelay(home, ['--port', '0', '--store', nats.url, '--key', keyFile]);
    const x = await b.connect();
    const y = await c.connect();
    const log = await x.createLog();
    const rs = await Promise.all([x.appendLog(log, 0, utf8('commit x')), y.appendLog(log, 0, utf8('commit y'))]);
    assert.equal(rs.filter((r) => r.ok).length, 1, 'exactly one commit for the epoch, whichever relay took it');
    await Promise.all([bobA.close().catch(() => undefined), bobB.close(), alice2.close(), x.close(), y.close()]);
    await b.kill9();
    await c.kill9();
  } finally {
    await nats.stop();
  }
});
