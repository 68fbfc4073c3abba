/**
 * The relay never sees plaintext, names or identity keys: bob (offline) is added to a group
 * through the relay as the issue describes (his KeyPackage from a box, the Welcome and the
 * messages through his queue, MLS suite 1 for speed), all through a TCP proxy that records
 * every byte. Then the relay's SQLite files and the recorded traffic are searched for the
 * messages, the two names and the two identity keys.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server } from 'node:net';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { utf8 } from '../../src/crypto/bytes.js';
import { ed25519PublicFromSeed } from '../../src/crypto/ecc.js';
import { systemRandom } from '../../src/crypto/random.js';
import { changeMembers, createGroup, joinGroup, loadSuite, newKeyPackage, ownCommitAccepted, receive, send, type Group, type GroupSelf } from '../../src/group/group.js';
import { RelayClient } from '../../src/relay/client.js';
import { cleanup, tempDir } from '../cli/_harness.js';
import { startCliRelay } from './_cli-relay.js';

after(cleanup);

const noPins = (): undefined => undefined;
const self = (name: string): GroupSelf => {
  const identitySeed = systemRandom(32);
  return { name, identitySeed, identityKey: ed25519PublicFromSeed(identitySeed) };
};

/** A TCP proxy to `port` that keeps a copy of every byte in both directions. */
async function recordingProxy(port: number): Promise<{ server: Server; port: number; bytes: () => Buffer }> {
  const seen: Buffer[] = [];
  const server = createServer((down) => {
    const up = connect({ host: '127.0.0.1', port });
    down.on('data', (d: Buffer) => {
      seen.push(d);
      up.write(d);
    });
    up.on('data', (d: Buffer) => {
      seen.push(d);
      down.write(d);
    });
    down.on('error', () => up.destroy());
    up.on('error', () => down.destroy());
    down.on('close', () => up.destroy());
    up.on('close', () => down.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  return { server, port: typeof a === 'object' && a !== null ? a.port : 0, bytes: () => Buffer.concat(seen) };
}

async function filesUnder(dir: string): Promise<Buffer> {
  const out: Buffer[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(await readFile(join(e.parentPath, e.name)));
  }
  return Buffer.concat(out);
}

test('offline add and messages through the relay: its store and its traffic hold no plaintext, name or identity key', { timeout: 300_000 }, async () => {
  const home = await tempDir();
  const relay = await startCliRelay(home, ['--port', '0', '--store', `sqlite:${join(home, 'relay', 'relay.db')}`]);
  const proxy = await recordingProxy(relay.port);
  const viaProxy = (): Promise<RelayClient> => RelayClient.connect({ host: '127.0.0.1', port: proxy.port, relayKey: relay.key });
  const suite = await loadSuite(1, systemRandom);
  const alice = self('alice-relay-secret-name');
  const bob = self('bob-relay-secret-name');
  const texts = Array.from({ length: 5 }, (_, i) => `the plan, part ${i}: meet at the old mill`);
  try {
    // Bob, before going offline: a KeyPackage box and a queue; he gives alice their ids and keys (1:1).
    const b1 = await viaProxy();
    const box = await b1.createKeyPackageBox();
    const kp = await newKeyPackage(suite, bob);
    assert.notEqual(Buffer.from(kp.frame).indexOf(utf8(bob.name)), -1, 'control: a KeyPackage names its owner in the clear (so the box must seal it)');
    await b1.publishKeyPackage(box, kp.frame);
    const q = await b1.createQueue();
    await b1.close();

    // Alice, bob offline: takes his KeyPackage, creates the group, adds him, sends the Welcome and messages to his queue.
    const a1 = await viaProxy();
    const bobKp = await a1.takeKeyPackage(box);
    assert.ok(bobKp !== undefined, "bob's KeyPackage is in the box");
    assert.equal(await a1.takeKeyPackage(box), undefined, 'and taken once');
    let ga: Group = await createGroup({ suite, self: alice, groupId: systemRandom(32), pins: noPins });
    const add = await changeMembers(ga, { add: [bobKp], remove: [] }, noPins);
    ga = ownCommitAccepted(add.group, noPins).group;
    await a1.send(q, add.commit!.welcome!);
    for (const t of texts) {
      const s = await send(ga, utf8(t), noPins);
      ga = s.group;
      await a1.send(q, s.frame);
    }
    await a1.close();

    // Bob comes online: joins from the Welcome, reads every message.
    const b2 = await viaProxy();
    const items = await b2.receive(q, 0, 32);
    assert.equal(items.length, 1 + texts.length);
    let gb = (await joinGroup({ suite, self: bob, welcome: items[0]!.data, keyPackage: kp.keyPackage, pins: noPins })).group;
    const got: string[] = [];
    for (const it of items.slice(1)) {
      const r = await receive(gb, it.data, noPins);
      gb = r.group;
      if (r.event.kind === 'message') got.push(new TextDecoder().decode(r.event.plaintext));
      await b2.ack(q, it.seq);
    }
    await b2.close();
    assert.deepEqual(got, texts);

    const store = await filesUnder(join(home, 'relay'));
    const traffic = proxy.bytes();
    assert.ok(store.length > 0 && traffic.length > 0);
    for (const [what, needle] of [
      ...texts.map((t, i): [string, Uint8Array] => [`message ${i}`, utf8(t)]),
      ['a fragment of a message', utf8('meet at the old mill')],
      ["alice's name", utf8(alice.name)],
      ["bob's name", utf8(bob.name)],
      ["alice's identity key", alice.identityKey],
      ["bob's identity key", bob.identityKey],
    ] as [string, Uint8Array][]) {
      assert.equal(store.indexOf(needle), -1, `${what} is not in the relay's files`);
      assert.equal(traffic.indexOf(needle), -1, `${what} is not in the relay's traffic`);
    }
  } finally {
    proxy.server.close();
    await relay.kill9();
  }
});

test('from outside the process: raw garbage to `securechat relay` gets an alert, and it serves the next client', { timeout: 120_000 }, async () => {
  const home = await tempDir();
  const relay = await startCliRelay(home, ['--port', '0', '--store', 'memory']);
  try {
    const reply = await new Promise<Buffer>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: relay.port });
      const got: Buffer[] = [];
      s.on('data', (d: Buffer) => got.push(d));
      s.on('error', () => undefined);
      s.on('close', () => resolve(Buffer.concat(got)));
      s.once('connect', () => s.write(Buffer.alloc(5_000_000, 0x41))); // 5 MB of 'A'
    });
    assert.deepEqual([...reply], [1, 0x05, 0, 0, 0, 1, 0x02, ...reply.subarray(7)], 'an ALERT protocol_error frame');
    const c = await relay.connect();
    const q = await c.createQueue();
    assert.equal(await c.send(q, utf8('after the garbage')), 'stored');
    await c.close();
    assert.equal(relay.proc.child.exitCode, null, 'the relay is still running');
  } finally {
    await relay.kill9();
  }
});
