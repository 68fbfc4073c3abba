/**
 * A relay on a 3-node NATS cluster (three nats-servers on loopback, JetStream streams
 * replicated 3 times) keeps storing and delivering when one node is killed (by PID). Runs in
 * the normal suite: 8 s here at load average 57 (most of it the leader election); every wait
 * is bounded at 300 s and says what it waited for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utf8 } from '../../src/crypto/bytes.js';
import { NatsStore } from '../../src/relay/nats-store.js';
import { freePort } from '../cli/_harness.js';
import { startNats, withFreshPorts, type Nats } from '../relay/_nats.js';
import { startRelay } from '../relay/_relay.js';
import { waitUntilAsync } from '../_util/wait.js';

test('3-node NATS cluster: one node killed, the relay keeps storing and delivering', { timeout: 600_000 }, async () => {
  const nodes: Nats[] = [];
  try {
    // The six ports are found free one by one; another process may take one before its node
    // binds it, and then the whole cluster starts again on fresh ports.
    const clientPorts = await withFreshPorts(async () => {
      const client = [await freePort(), await freePort(), await freePort()];
      const route = [await freePort(), await freePort(), await freePort()];
      const routes = route.map((p) => `nats://127.0.0.1:${p}`).join(',');
      try {
        for (let i = 0; i < 3; i++) {
          nodes.push(await startNats({ port: client[i]!, name: `n${i}`, args: ['--cluster_name', 'screlay', '--cluster', `nats://127.0.0.1:${route[i]!}`, '--routes', routes] }));
        }
      } catch (e) {
        for (const n of nodes.splice(0)) await n.stop();
        throw e;
      }
      return client;
    });
    const servers = clientPorts.map((p) => `nats://127.0.0.1:${p}`).join(',');
    let store: NatsStore | undefined;
    await waitUntilAsync(async () => {
      try {
        store = await NatsStore.open({ servers, retentionMs: 3_600_000, maxQueueMessages: 1_000, replicas: 3 });
        return true;
      } catch {
        return false; // the cluster has no JetStream leader yet
      }
    }, 'the JetStream cluster to elect a leader', { maxMs: 300_000, everyMs: 1_000 });
    const r = await startRelay(store!);
    const c = await r.connect();
    const q = await c.createQueue();
    for (let i = 0; i < 10; i++) await c.send(q, utf8(`before ${i}`));
    await nodes[0]!.stop(); // kill -9 one node
    await waitUntilAsync(async () => {
      try {
        await c.send(q, utf8('after 0'), new Uint8Array(16).fill(1));
        return true;
      } catch {
        return false;
      }
    }, 'a send to succeed after the node died', { maxMs: 300_000, everyMs: 1_000 });
    for (let i = 1; i < 10; i++) await c.send(q, utf8(`after ${i}`));
    const got = (await c.receive(q, 0, 32)).map((m) => new TextDecoder().decode(m.data));
    assert.deepEqual(got, [...Array.from({ length: 10 }, (_, i) => `before ${i}`), ...Array.from({ length: 10 }, (_, i) => `after ${i}`)]);
    await c.close();
    await r.stop();
    await store!.close();
  } finally {
    for (const n of nodes) await n.stop();
  }
});
