/**
 * A failing store reaches the operator (attack finding R2: a full disk stopped the relay and
 * nothing was printed). Pure: an injected clock and sink.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localError, remoteError } from '../../src/errors.js';
import { operatorAlerts } from '../../src/relay/operator-alerts.js';

test('store failures: the first is reported at once, then one line a minute with the count; client errors are not reported', () => {
  let t = 1_000;
  const lines: string[] = [];
  const a = operatorAlerts((l) => lines.push(l), () => t);
  const full = localError('INTERNAL', 'relay command failed', Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
  a.onEvent({ type: 'command-refused', remoteAddress: '127.0.0.1', error: remoteError('AUTH_FAILED', 'bad key') });
  assert.equal(lines.length, 0, 'a client\'s bad command is not the operator\'s business');
  a.onEvent({ type: 'command-refused', remoteAddress: '127.0.0.1', error: full });
  assert.equal(lines.length, 1);
  assert.match(lines[0] ?? '', /database or disk is full/);
  for (let i = 0; i < 5; i++) a.onEvent({ type: 'command-refused', remoteAddress: '127.0.0.1', error: full });
  assert.equal(lines.length, 1, 'at most one line a minute');
  t += 60_000;
  a.failed('the retention sweep failed', new Error('disk I/O error'));
  assert.equal(lines.length, 2);
  assert.match(lines[1] ?? '', /sweep failed: disk I\/O error \(5 more failures/);
});
