import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SUITE_KEY_MATERIAL, SuiteId } from '../../src/crypto/aead.js';
import { toHex } from '../../src/crypto/bytes.js';
import { ALL_SUITES, getWorld, makeInitiator, makeResponder, run } from './_harness.js';

for (const suite of ALL_SUITES) {
  test(`happy path in suite ${suite}: both results agree, chains crossed, identities right`, async () => {
    const w = await getWorld();
    const i = makeInitiator(w, { suites: [suite] });
    const r = makeResponder(w);
    const o = run(i, r);
    assert.equal(o.i.error, undefined, o.i.error?.message);
    assert.equal(o.r.error, undefined, o.r.error?.message);
    const a = o.i.result!;
    const b = o.r.result!;
    assert.equal(a.role, 'initiator');
    assert.equal(b.role, 'responder');
    assert.equal(a.suite, suite);
    assert.equal(b.suite, suite);
    assert.equal(a.version, 1);
    assert.equal(toHex(a.root), toHex(b.root));
    assert.equal(toHex(a.chainI2R), toHex(b.chainI2R));
    assert.equal(toHex(a.chainR2I), toHex(b.chainR2I));
    assert.notEqual(toHex(a.chainI2R), toHex(a.chainR2I));
    assert.equal(toHex(a.sessionId), toHex(b.sessionId));
    assert.equal(a.sessionId.length, 16);
    assert.equal(toHex(a.transcriptHash), toHex(b.transcriptHash));
    assert.deepEqual(a.peer, { name: 'alice', identityKey: w.alice.publicKey });
    assert.deepEqual(b.peer, { name: 'bob', identityKey: w.bob.publicKey });
    assert.equal(o.r.sentHello, true);
    assert.equal(i.state, 'done');
    assert.equal(r.state, 'done');
    assert.equal(o.wire.length, 4);
    assert.ok(SUITE_KEY_MATERIAL[suite] > 0);
  });
}

test('the responder picks the first suite in the initiator list that it allows', async () => {
  const w = await getWorld();
  const o = run(
    makeInitiator(w, { suites: [SuiteId.AES_256_CBC_HMAC_SHA256, SuiteId.CHACHA20_POLY1305, SuiteId.AES_256_GCM] }),
    makeResponder(w, { suites: [SuiteId.AES_256_GCM, SuiteId.CHACHA20_POLY1305] }),
  );
  assert.equal(o.i.result?.suite, SuiteId.CHACHA20_POLY1305);
  assert.equal(o.r.result?.suite, SuiteId.CHACHA20_POLY1305);
});
