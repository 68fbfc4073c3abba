/**
 * A later `securechat ui` that names another users file switches the running page to it (F6:
 * the agent kept the first file: its contacts and addresses). The built CLI twice, then the
 * page's own API through the second one-time link (plain HTTP, no browser).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { cleanup, freePort, jsonLines, run, tempDir, writeUsers } from '../cli/_harness.js';

after(cleanup);

function get(url: string, cookie?: string): Promise<{ status: number; cookie: string | undefined; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, headers: cookie === undefined ? {} : { Cookie: cookie } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, cookie: res.headers['set-cookie']?.[0]?.split(';')[0], body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
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
  const opened = await get(String(two['url']));
  assert.equal(opened.status, 303);
  assert.ok(opened.cookie !== undefined);
  const state = await get(`http://127.0.0.1:${String(two['port'])}/api/state`, opened.cookie);
  assert.equal(state.status, 200, state.body);
  const s = JSON.parse(state.body) as { usersFile?: string; contacts: { name: string }[] };
  assert.equal(s.usersFile, second);
  assert.deepEqual(s.contacts.map((c) => c.name), ['carol'], 'the contacts of the users file named last');
  assert.equal((await run(['agent', 'stop'], { home })).code, 0);
});
