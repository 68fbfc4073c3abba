/**
 * The send side of SecureConnection over real TCP on 127.0.0.1: payloads queued in one turn
 * share records (§6.3), and a bulk loop of `sendApp` + `await drained()` (which runs in
 * microtasks, never yielding to a nextTick flush) stays within the write buffer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SecureServer } from '../../src/transport/server.js';
import { connectSecure } from '../../src/transport/client.js';
import type { SecureConnection } from '../../src/transport/secure-connection.js';
import { FailureLimiter } from '../../src/transport/limiter.js';
import { SuiteId } from '../../src/crypto/aead.js';
import { ed25519PublicFromSeed } from '../../src/crypto/ecc.js';
import { createServerSetup, KSF_TEST, opaqueReady, registerLocally } from '../../src/crypto/opaque.js';
import { deterministicRandom, systemRandom } from '../../src/crypto/random.js';
import { utf8 } from '../../src/crypto/bytes.js';

const PASSWORD = utf8('coalescing test password');

async function pair(onApp: (d: Uint8Array, server: SecureConnection) => void): Promise<{ client: SecureConnection; server: Promise<SecureConnection>; close: () => Promise<void> }> {
  await opaqueReady;
  const serverSetup = createServerSetup();
  const record = registerLocally(serverSetup, 'alice', PASSWORD, KSF_TEST);
  const id = (name: string, seed: string) => {
    const s = deterministicRandom(seed)(32);
    return { name, seed: s, publicKey: ed25519PublicFromSeed(s) };
  };
  let got: (c: SecureConnection) => void = () => undefined;
  const server = new Promise<SecureConnection>((r) => (got = r));
  const srv = await SecureServer.listen({
    port: 0,
    random: systemRandom,
    limiter: new FailureLimiter({ perAddress: 1_000, accountBurst: 1_000 }),
    handshake: { account: 'alice', serverSetup, record, ksf: KSF_TEST, identity: id('alice', 'a'), suites: [SuiteId.AES_256_GCM], checkPeer: () => null },
    onConnection: (conn) => {
      conn.start({ onApp: (d) => onApp(d, conn), onClose: () => undefined });
      got(conn);
    },
  });
  const client = await connectSecure({
    host: '127.0.0.1',
    port: srv.port,
    random: systemRandom,
    handshake: { account: 'alice', password: PASSWORD, identity: id('bob', 'b'), suites: [SuiteId.AES_256_GCM], checkPeer: () => null },
  });
  return { client, server, close: async () => {
    await client.close();
    await srv.close();
  } };
}

test('16 payloads queued in one turn go out as one record; a lone one as its own', async () => {
  const received: string[] = [];
  let all: () => void = () => undefined;
  const done = new Promise<void>((r) => (all = r));
  const p = await pair((d) => {
    received.push(Buffer.from(d).toString());
    if (received.length === 17) all();
  });
  try {
    p.client.start({ onApp: () => undefined, onClose: () => undefined });
    const before = p.client.stats.recordsSent;
    for (let i = 0; i < 16; i++) p.client.sendApp(utf8(`message ${i}`));
    await new Promise((r) => setImmediate(r));
    assert.equal(p.client.stats.recordsSent - before, 1, 'one APP_BATCH record for the 16');
    p.client.sendApp(utf8('alone'));
    await new Promise((r) => setImmediate(r));
    assert.equal(p.client.stats.recordsSent - before, 2, 'the lone message went out in its own record, in that turn');
    await done;
    assert.deepEqual(received, [...Array.from({ length: 16 }, (_, i) => `message ${i}`), 'alone']);
  } finally {
    await p.close();
  }
});

test('a bulk loop of sendApp and await drained() never overruns the write buffer', async () => {
  const SIZE = 64 * 1024;
  const COUNT = 160; // 10 MiB, more than twice the 4 MiB write-buffer cap
  let bytes = 0;
  let all: () => void = () => undefined;
  let broke: (e: unknown) => void = () => undefined;
  const done = new Promise<void>((r, j) => {
    all = r;
    broke = j;
  });
  const p = await pair((d) => {
    bytes += d.length;
    if (bytes === SIZE * COUNT) all();
  });
  try {
    let closedWith: unknown = 'open';
    p.client.start({
      onApp: () => undefined,
      onClose: (e) => {
        closedWith = e;
        broke(new Error(`the bulk sender's connection ended early: ${e?.code ?? 'clean close'}`));
      },
    });
    const buf = new Uint8Array(SIZE).fill(7);
    for (let i = 0; i < COUNT; i++) {
      p.client.sendApp(buf);
      await p.client.drained();
    }
    await done;
    assert.equal(closedWith, 'open', 'the connection did not fail');
    assert.equal(bytes, SIZE * COUNT);
  } finally {
    await p.close();
  }
});
