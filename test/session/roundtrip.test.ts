import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SUITE_NAMES } from '../../src/crypto/aead.js';
import { Pair, SUITES, bytes } from './_pair.js';

describe('session round trip', () => {
  for (const suite of SUITES) {
    it(`${SUITE_NAMES[suite]}: 0-byte, 1-byte and 64 KiB payloads both ways`, () => {
      const p = new Pair(suite);
      const sizes = [0, 1, 1000, 65_536];
      for (const n of sizes) {
        p.send(p.i, bytes(n, 0x41 + (n % 26)));
        p.send(p.r, bytes(n, 0x61 + (n % 26)));
      }
      p.flush();
      assert.deepEqual(p.r.received.map((b) => b.length), sizes);
      assert.deepEqual(p.i.received.map((b) => b.length), sizes);
      assert.deepEqual(p.r.received[3], bytes(65_536, 0x41 + (65_536 % 26)));
      assert.equal(p.i.session.stats.appRecordsSent, 4);
      assert.equal(p.r.session.stats.appRecordsReceived, 4);
    });
  }
});
