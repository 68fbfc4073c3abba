/**
 * The agent's contact methods (docs/AGENT-API.md §4.10–4.14) through its socket: two agents in
 * this process, for two homes. Bad params get -32602 before anything runs; bob listens and
 * invites, alice accepts once (both are contacts; a second use is INVITATION_INVALID), both
 * list each other, alice removes bob (a second removal is UNKNOWN_USER); `ui` gives a fresh
 * one-time link to the same page each time.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentClient, AgentError } from '../../src/agent/client.js';
import type { JsonObject } from '../../src/agent/rpc.js';
import { startAgent, type RunningAgent } from '../../src/agent/server.js';
import { utf8 } from '../../src/crypto/bytes.js';
import { KSF_TEST } from '../../src/crypto/opaque.js';
import { ensureUserDir, loadOrCreateIdentity, registerAccount, userPaths } from '../../src/identity/index.js';
import { logShow } from '../../src/log/commands.js';

const dirs: string[] = [];
const agents: RunningAgent[] = [];
const clients: AgentClient[] = [];

async function home(name: string, password?: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `securechat-agent-${name}-`));
  dirs.push(dir);
  const paths = await ensureUserDir(dir, name);
  await loadOrCreateIdentity(paths.dir);
  if (password !== undefined) await registerAccount(paths.dir, name, utf8(password), KSF_TEST);
  return dir;
}

async function agentOf(dir: string): Promise<AgentClient> {
  const r = await startAgent({ home: dir, ksf: KSF_TEST });
  assert.ok(r.started);
  agents.push(r.agent);
  const c = await AgentClient.tryConnect(dir);
  assert.ok(c !== undefined, 'the agent answers on its socket');
  clients.push(c);
  return c;
}

function text(v: unknown): string {
  assert.equal(typeof v, 'string', `a string: ${JSON.stringify(v)}`);
  return v as string;
}

function obj(v: unknown): JsonObject {
  assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v), `an object: ${JSON.stringify(v)}`);
  return v as JsonObject;
}

/** The agent's error answer to `method(params)`: its JSON-RPC code and `data.code`. */
async function refusal(c: AgentClient, method: string, params: JsonObject): Promise<{ rpc: number; code: unknown }> {
  try {
    await c.call(method, params);
  } catch (e) {
    assert.ok(e instanceof AgentError, String(e));
    return { rpc: e.error.code, code: e.error.data?.['code'] };
  }
  assert.fail(`${method} ${JSON.stringify(params)} was accepted`);
}

let alice: AgentClient;
let bob: AgentClient;
let aliceHome: string;

before(async () => {
  aliceHome = await home('alice');
  alice = await agentOf(aliceHome);
  bob = await agentOf(await home('bob', 'pw-bob'));
});

after(async () => {
  for (const c of clients) c.close();
  await Promise.allSettled(agents.map((a) => a.stop()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('agent contact methods', () => {
  it('bad params are -32602, before anything runs', async () => {
    const bad: [string, JsonObject][] = [
      ['contacts', {}],
      ['contacts', { as: 'no/slash' }],
      ['removeContact', { as: 'alice' }],
      ['removeContact', { as: 'alice', name: 7 }],
      ['invite', { as: 'bob', port: 70_000 }],
      ['invite', { as: 'bob', port: 'x' }],
      ['invite', { as: 'bob', host: '', port: 5000 }],
      ['accept', { as: 'alice' }],
      ['accept', { as: 'alice', invitation: 42 }],
      ['ui', { as: 'alice', port: -1 }],
      ['ui', { as: 'alice', users: 3 }],
    ];
    for (const [method, params] of bad) assert.equal((await refusal(alice, method, params)).rpc, -32602, `${method} ${JSON.stringify(params)}`);
  });

  it('a malformed invitation and an invitation with nowhere to point are -32000 USAGE', async () => {
    assert.deepEqual(await refusal(alice, 'accept', { as: 'alice', invitation: 'not an invitation' }), { rpc: -32000, code: 'USAGE' });
    assert.deepEqual(await refusal(bob, 'invite', { as: 'bob' }), { rpc: -32000, code: 'USAGE' });
  });

  it('invite, accept once, list on both sides, remove', { timeout: 120_000 }, async () => {
    const l = obj(await bob.call('listen', { as: 'bob', port: 0, host: '127.0.0.1' }));
    const port = l['port'];
    assert.ok(typeof port === 'number');
    const inv = obj(await bob.call('invite', { as: 'bob' }));
    assert.equal(inv['account'], 'bob');
    assert.equal(inv['address'], `127.0.0.1:${port}`);
    assert.match(text(inv['invitation']), new RegExp(`^bob@127\\.0\\.0\\.1:${port}#[0-9A-Z]{4}-[0-9A-Z]{4}$`));
    assert.ok(Date.parse(text(inv['expiresAt'])) > Date.now());

    assert.deepEqual(obj(await alice.call('accept', { as: 'alice', invitation: inv['invitation'] ?? '' })), { contact: 'bob' });
    // The invitation's conversation is in alice's log, as any other (it was not, before).
    const log = await logShow({ userDir: userPaths(aliceHome, 'alice').dir, peer: 'bob' });
    assert.equal(log.exitCode, 0, log.lines.join('\n'));
    assert.match(log.lines.join('\n'), /conversation with bob started \(key [0-9a-f]+, first-use, 127\.0\.0\.1:\d+\)[\s\S]*conversation with bob ended/);
    // One use only.
    assert.deepEqual(await refusal(alice, 'accept', { as: 'alice', invitation: inv['invitation'] ?? '' }), { rpc: -32000, code: 'INVITATION_INVALID' });

    const mine = obj(await alice.call('contacts', { as: 'alice' }))['contacts'];
    assert.ok(Array.isArray(mine));
    assert.deepEqual(mine.map((c) => [obj(c)['name'], obj(c)['via']]), [['bob', 'invitation']]);
    assert.match(text(obj(mine[0])['fingerprint']), /^[0-9a-f]{64}$/);
    const theirs = obj(await bob.call('contacts', { as: 'bob' }))['contacts'];
    assert.ok(Array.isArray(theirs));
    assert.deepEqual(theirs.map((c) => obj(c)['name']), ['alice']);

    assert.deepEqual(obj(await alice.call('removeContact', { as: 'alice', name: 'bob' })), { removed: 'bob' });
    assert.deepEqual(obj(await alice.call('contacts', { as: 'alice' }))['contacts'], []);
    assert.deepEqual(await refusal(alice, 'removeContact', { as: 'alice', name: 'bob' }), { rpc: -32000, code: 'UNKNOWN_USER' });
    await bob.call('unlisten', { as: 'bob' });
  });

  it('ui: the agent serves the page; every call is a fresh one-time link to the same page', async () => {
    const first = obj(await alice.call('ui', { as: 'alice' }));
    const second = obj(await alice.call('ui', { as: 'alice' }));
    assert.equal(first['started'], true);
    assert.equal(second['started'], false);
    assert.equal(first['port'], second['port']);
    const token = (u: unknown): string | undefined => /#token=([A-Za-z0-9_-]{43})$/.exec(text(u))?.[1];
    assert.match(token(first['url']) ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.match(token(second['url']) ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(token(first['url']), token(second['url']));
    // The opener is given a redirect page in the home, 0600: never the link (argv is public).
    const redirect = text(second['redirect']);
    assert.equal((await stat(redirect)).mode & 0o777, 0o600);
    assert.ok((await readFile(redirect, 'utf8')).includes(text(second['url'])));
    const origin = new URL(text(second['url'])).origin;
    const redeem = (): Promise<Response> => fetch(`${origin}/api/session`, { method: 'POST', headers: { Origin: origin, 'Content-Type': 'application/json' }, body: JSON.stringify({ token: token(second['url']) }) });
    assert.equal((await redeem()).status, 200, 'the fresh link opens the page (token exchanged for the session)');
    assert.equal((await redeem()).status, 403, 'once');
  });
});
