/** The relay's cached Ed25519 verification gives ecc.ed25519Verify's answer on every Wycheproof vector, with a tiny cache (evictions) too. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fromHex } from '../../src/crypto/bytes.js';
import { ed25519Verify } from '../../src/crypto/ecc.js';
import { Ed25519VerifyCache } from '../../src/crypto/ed25519-key-cache.js';

interface Group {
  readonly publicKey: { readonly pk: string };
  readonly tests: readonly { readonly tcId: number; readonly msg: string; readonly sig: string; readonly result: string }[];
}
const data = JSON.parse(readFileSync(new URL('../../../test/vectors/wycheproof/ed25519_test.json', import.meta.url), 'utf8')) as { testGroups: Group[] };

test('Ed25519VerifyCache agrees with ed25519Verify (Wycheproof), valid ones true, invalid false', () => {
  for (const capacity of [1, 4096]) {
    const cache = new Ed25519VerifyCache(capacity);
    let n = 0;
    for (const g of data.testGroups) {
      const pk = fromHex(g.publicKey.pk);
      for (const t of g.tests) {
        const msg = fromHex(t.msg);
        const sig = fromHex(t.sig);
        const want = ed25519Verify(pk, msg, sig);
        assert.equal(cache.verify(pk, msg, sig), want, `tcId ${t.tcId}`);
        if (t.result === 'valid') assert.equal(want, true, `tcId ${t.tcId}`);
        if (t.result === 'invalid') assert.equal(want, false, `tcId ${t.tcId}`);
        n++;
      }
    }
    assert.ok(n > 100);
  }
  assert.equal(new Ed25519VerifyCache(8).verify(new Uint8Array(31), new Uint8Array(0), new Uint8Array(64)), false);
});
