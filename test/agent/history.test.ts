/**
 * The agent's `history` method (docs/AGENT-API.md §4.10): untrusted params refused with
 * -32602, `before` leaves out what was logged since, the answer stays under MAX_HISTORY_BYTES
 * (oldest left out first, `truncated`), a damaged log answers what verifies and says where it stops.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { historyMethod } from '../../src/agent/history-method.js';
import { RpcCode, RpcFailure, type JsonObject } from '../../src/agent/rpc.js';
import { ConversationLog } from '../../src/app/log-sink.js';
import { ensureUserDir } from '../../src/identity/index.js';
import { MAX_HISTORY_BYTES, MAX_HISTORY_MESSAGES } from '../../src/limits.js';
import { tmpDir } from '../identity/_tmp.js';

async function refused(p: Promise<unknown>, code: number, data?: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof RpcFailure, String(e));
    assert.equal(e.rpcCode, code);
    if (data !== undefined) assert.equal(e.data?.['code'], data);
    return true;
  });
}

function items(r: unknown): JsonObject[] {
  return ((r as JsonObject)['items'] as JsonObject[]);
}

it('refuses bad params with -32602 and answers an empty history for a user with no log', async () => {
  const home = tmpDir();
  for (const p of [
    { as: 'bob', peer: 'alice' },
    { as: 'bob', peer: 'alice', limit: -1 },
    { as: 'bob', peer: 'alice', limit: 1.5 },
    { as: 'bob', peer: 'alice', limit: MAX_HISTORY_MESSAGES + 1 },
    { as: '../x', peer: 'alice', limit: 5 },
    { as: 'bob', peer: 7, limit: 5 },
    { as: 'bob', peer: 'alice', limit: 5, before: 'yesterday' },
    { as: 'bob', peer: 'alice', limit: 5, before: 5 },
  ]) await refused(historyMethod(home, p), RpcCode.INVALID_PARAMS);
  assert.deepEqual(await historyMethod(home, { as: 'bob', peer: 'alice', limit: 5 }), { items: [], truncated: false });
});

it('the last N with that peer, oldest first; before leaves out what came since; bounded in bytes; a damaged log says where it stops verifying', async () => {
  const home = tmpDir();
  const dir = (await ensureUserDir(home, 'bob')).dir;
  const log = await ConversationLog.open(dir, 'bob');
  for (let i = 1; i <= 5; i++) await log.received('alice', i, `from alice ${i}`);
  await log.sent('alice', 1, 'to alice');
  await log.received('carol', 1, 'from carol');
  await new Promise((r) => setTimeout(r, 5)); // the next entries get a later millisecond
  const cut = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 5));
  await log.received('alice', 6, 'after the cut');
  const big = 'x'.repeat(60_000);
  for (let i = 0; i < 12; i++) await log.received('dave', i, `${i} ${big}`);
  await log.close();

  const last3 = items(await historyMethod(home, { as: 'bob', peer: 'alice', limit: 3 }));
  assert.deepEqual(last3.map((h) => [h['direction'], h['text']]), [['in', 'from alice 5'], ['out', 'to alice'], ['in', 'after the cut']]);
  const before = items(await historyMethod(home, { as: 'bob', peer: 'alice', limit: 20, before: cut }));
  assert.equal(before.length, 6);
  assert.ok(before.every((h) => h['text'] !== 'after the cut' && h['peer'] === 'alice'));

  const r = (await historyMethod(home, { as: 'bob', peer: 'dave', limit: 12 })) as JsonObject;
  assert.equal(r['truncated'], true);
  assert.ok(Buffer.byteLength(JSON.stringify(r)) < MAX_HISTORY_BYTES + 1024, 'under the bound');
  const texts = items(r).map((h) => (typeof h['text'] === 'string' ? h['text'] : '').split(' ')[0]);
  assert.equal(texts.at(-1), '11', 'the newest kept, the oldest left out');

  const file = join(dir, 'log', 'messages.sclog');
  const b = Buffer.from(await readFile(file));
  b[Math.floor(b.length / 2)] = (b[Math.floor(b.length / 2)] ?? 0) ^ 1;
  await writeFile(file, b);
  // What verifies is shown, and the answer says where the log stops verifying.
  const damaged = (await historyMethod(home, { as: 'bob', peer: 'alice', limit: 3 })) as JsonObject;
  assert.match(typeof damaged['invalid'] === 'string' ? damaged['invalid'] : '', /bob's log does not verify from entry \d+ on[^]*securechat log verify --as bob/);
  assert.ok(items(damaged).length <= 3);
});
