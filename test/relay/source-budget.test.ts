/**
 * The relay's command budget is per source (attack finding R1): connections of one source
 * share one token bucket, charged on arrival; a reconnect does not refill it; another source
 * has its own. Engine-level, with a stopped clock (no refill).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemRandom } from '../../src/crypto/random.js';
import { RelayEngine } from '../../src/relay/engine.js';
import { MemoryStore } from '../../src/relay/memory-store.js';

const noop = (): void => undefined;

test('one bucket per source: shared by its connections, kept across a reconnect, separate for another source', () => {
  const engine = new RelayEngine({ store: new MemoryStore(), random: systemRandom, now: () => 5_000, limits: { commandBurst: 3, commandsPerSecond: 1 } });
  const sid = new Uint8Array(16);
  const cmd = new Uint8Array([0, 0, 0, 9]);
  const a1 = engine.connection(sid, noop, '127.0.0.3');
  const a2 = engine.connection(sid, noop, '127.0.0.3');
  assert.equal(engine.admit(a1, cmd), null);
  assert.equal(engine.admit(a2, cmd), null);
  assert.equal(engine.admit(a1, cmd), null);
  const refused = engine.admit(a2, cmd);
  assert.notEqual(refused, null, 'the fourth command of the source is refused, whichever connection sends it');
  a1.close();
  a2.close();
  const a3 = engine.connection(sid, noop, '127.0.0.3');
  assert.notEqual(engine.admit(a3, cmd), null, 'reconnecting does not refill the source');
  const b = engine.connection(sid, noop, '127.0.0.4');
  assert.equal(engine.admit(b, cmd), null, 'another source has its own budget');
});
