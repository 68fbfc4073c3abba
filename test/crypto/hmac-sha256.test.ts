/**
 * Wycheproof hmac_sha256_test.json through hmacSha256 (full 256-bit tags) and
 * hmacSha256Truncated (128-bit tags), compared with ctEqual.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hmacSha256, hmacSha256Truncated } from '../../src/crypto/hash.js';
import { ctEqual } from '../../src/crypto/bytes.js';
import { hex, label, loadWycheproof, Tally, type WycheproofGroup, type WycheproofTest } from './_wycheproof.js';

interface MacTest extends WycheproofTest {
  readonly key: string;
  readonly msg: string;
  readonly tag: string;
}
interface MacGroup extends WycheproofGroup<MacTest> {
  readonly keySize: number;
  readonly tagSize: number;
}

const FILE = 'hmac_sha256_test.json';

test('Wycheproof HMAC-SHA256 through hmacSha256 and hmacSha256Truncated', () => {
  const data = loadWycheproof<MacTest, MacGroup>(FILE, 'HMACSHA256');
  const tally = new Tally();
  let full = 0;
  let truncated = 0;
  for (const g of data.testGroups) {
    assert.ok(g.tagSize === 128 || g.tagSize === 256, `unexpected tag size ${g.tagSize}`);
    const tagLen = g.tagSize / 8;
    for (const t of g.tests) {
      const where = label(FILE, t);
      const key = hex(t.key);
      const msg = hex(t.msg);
      const tag = hex(t.tag);
      const computed = tagLen === 32 ? hmacSha256(key, msg) : hmacSha256Truncated(key, msg, tagLen);
      if (tagLen === 32) {
        full++;
        // The multi-part form MACs the concatenation.
        const cut = msg.length >>> 1;
        assert.deepEqual(hmacSha256(key, msg.subarray(0, cut), msg.subarray(cut)), computed, `${where}: parts`);
        assert.deepEqual(hmacSha256Truncated(key, msg, 32), computed, `${where}: truncated to 32`);
      } else {
        truncated++;
        assert.deepEqual(computed, hmacSha256(key, msg).subarray(0, tagLen), `${where}: prefix`);
      }
      assert.equal(computed.length, tagLen, `${where}: length`);
      switch (t.result) {
        case 'valid':
          assert.deepEqual(computed, tag, `${where}: tag`);
          assert.equal(ctEqual(computed, tag), true, `${where}: ctEqual`);
          break;
        case 'invalid':
          assert.equal(ctEqual(computed, tag), false, `${where}: must not verify`);
          break;
        case 'acceptable':
          assert.fail(`${where}: unexpected acceptable case`);
      }
      tally.count(t.result);
    }
  }
  // 174 cases: 66 valid, 108 invalid (modified tags); 87 with full tags, 87 truncated to 128 bits.
  tally.expect({ valid: 66, invalid: 108, acceptable: 0, refused: 0 });
  assert.equal(full, 87);
  assert.equal(truncated, 87);
});
