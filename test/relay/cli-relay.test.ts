/** `securechat relay` as a command: help, usage errors (exit 2, one sentence), a clean stop. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanup, run, tempDir } from '../cli/_harness.js';
import { startCliRelay } from './_cli-relay.js';

after(cleanup);

test('relay --help, and a bad --store or --port is a usage error in one sentence', async () => {
  const h = await run(['relay', '--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /usage: securechat relay/);
  const home = await tempDir();
  const bad = await run(['relay', '--store', 'postgres://x'], { home });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--store must be sqlite:PATH, nats:\/\/HOST:PORT or memory, not "postgres:\/\/x"/);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  const port = await run(['relay', '--port', '99999', '--store', 'memory'], { home });
  assert.equal(port.code, 2);
  const relay = await run(['send', '--relay', 'nowhere', '--to', 'bob', '--message', 'x'], { home });
  assert.equal(relay.code, 2);
  assert.match(relay.stderr, /--relay must be HOST:PORT or \[IPV6\]:PORT/);
});

test('the default store and key live in HOME/relay (0600 key); SIGTERM stops it with exit 130', { timeout: 120_000 }, async () => {
  const home = await tempDir();
  const r = await startCliRelay(home, ['--port', '0']);
  const key = await stat(join(home, 'relay', 'relay-key.json'));
  assert.equal(key.mode & 0o777, 0o600);
  await stat(join(home, 'relay', 'relay.db'));
  const again = await startCliRelay(home, ['--port', '0', '--store', 'memory']);
  assert.deepEqual(again.key, r.key, 'the key file is reused: clients keep their pin');
  r.proc.kill('SIGTERM');
  assert.equal((await r.proc.exited).code, 130);
  await again.kill9();
});
