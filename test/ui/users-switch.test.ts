/**
 * A later `securechat ui` that names another users file switches the running page to it (F6:
 * the agent kept the first file: its contacts and addresses). The built CLI twice, then the
 * page's own API through the second one-time link (its token exchanged for a session, plain HTTP, no browser).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { cleanup, freePort, jsonLines, run, tempDir, writeUsers } from '../cli/_harness.js';

after(cleanup);

function http(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function ui(home: string, users: string): Promise<Record<string, unknown>> {
  const r = await run(['ui', '--as', 'alice', '--users', users, '--no-open', '--json'], { home });
  assert.equal(r.code, 0, r.stderr);
  const e = jsonLines(r.stdout).find((x) => x['event'] === 'ui');
  assert.ok(e !== undefined, r.stdout);
  return e;
}

test('a second `securechat ui` with another users file: the page uses the new one', { timeout: 180_000 }, async () => {
  const dir = await tempDir();
  const home = join(dir, 'home');
  const first = await writeUsers(dir, [{ username: 'alice', port: await freePort() }, { username: 'bob', port: await freePort() }], 'first.json');
  const second = await writeUsers(dir, [{ username: 'alice', port: await freePort() }, { username: 'carol', port: await freePort() }], 'second.json');
  const one = await ui(home, first);
  assert.equal(one['started'], true);
  const two = await ui(home, second);
  assert.equal(two['started'], false, 'the same page');
  assert.equal(two['users'], second);
  // The link's token (in its fragment) is exchanged once for a session, as the page does.
  const port = Number(two['port']);
  const token = /#token=([A-Za-z0-9_-]+)$/.exec(String(two['url']))?.[1] ?? '';
  const redeemed = await http(port, 'POST', '/api/session', { Origin: `http://127.0.0.1:${port}`, 'Content-Type': 'application/json' }, JSON.stringify({ token }));
  assert.equal(redeemed.status, 200, redeemed.body);
  const session = (JSON.parse(redeemed.body) as { session: string }).session;
  const state = await http(port, 'GET', '/api/state', { Authorization: `Bearer ${session}` });
  assert.equal(state.status, 200, state.body);
  const s = JSON.parse(state.body) as { usersFile?: string; contacts: { name: string }[] };
  assert.equal(s.usersFile, second);
  assert.deepEqual(s.contacts.map((c) => c.name), ['carol'], 'the contacts of the users file named last');
  assert.equal((await run(['agent', 'stop'], { home })).code, 0);
});
