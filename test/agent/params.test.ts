/**
 * Every method's params are untrusted (docs/AGENT-API.md §3): whatever a client sends, the
 * answer is a result or one of the defined errors (-32602 with a plain sentence for bad
 * params; -32000 with a stable code other than INTERNAL; -32001 password needed; -32601), never
 * "internal error in the agent". A real agent (in-process, cheap KSF) on a temporary home; only
 * 127.0.0.1 and closed or invalid ports are ever named, so nothing leaves the machine.
 *
 * Before the fix, `open` with a malformed password answered -32000 INTERNAL (its check ran
 * inside the try that maps operation failures: F4).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { AgentClient, AgentError } from '../../src/agent/client.js';
import { RpcCode, type Json, type JsonObject } from '../../src/agent/rpc.js';
import { startAgent, type RunningAgent } from '../../src/agent/server.js';
import { KSF_TEST } from '../../src/crypto/opaque.js';

let dir = '';
let agent: RunningAgent | undefined;
let client: AgentClient | undefined;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sc-agent-params-'));
  const r = await startAgent({ home: join(dir, 'home'), ksf: KSF_TEST, idleMs: 600_000 });
  assert.ok(r.started);
  agent = r.agent;
  client = await AgentClient.tryConnect(join(dir, 'home'));
});

after(async () => {
  client?.close();
  await agent?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** The answer to one request: its result, or its error object. */
async function answer(method: string, params: JsonObject): Promise<{ result?: Json; error?: { code: number; message: string; data?: JsonObject } }> {
  assert.ok(client !== undefined);
  try {
    return { result: await client.call(method, params) };
  } catch (e) {
    if (e instanceof AgentError) return { error: e.error };
    throw e;
  }
}

/** A plain sentence: one line, not empty, no code dump. */
function assertSentence(s: unknown, what: string): void {
  assert.equal(typeof s, 'string', what);
  const t = s as string;
  assert.ok(t.length > 0 && t.length < 600, `${what}: ${t}`);
  assert.doesNotMatch(t, /\n|\[object |undefined|at .*\.js:\d+/, what);
}

function assertDefined(method: string, params: JsonObject, a: Awaited<ReturnType<typeof answer>>): void {
  const what = `${method} ${JSON.stringify(params)} → ${JSON.stringify(a)}`;
  if (a.error === undefined) return;
  const { code, message, data } = a.error;
  assert.ok(([RpcCode.INVALID_PARAMS, RpcCode.FAILED, RpcCode.PASSWORD_NEEDED, RpcCode.METHOD_NOT_FOUND] as number[]).includes(code), what);
  assertSentence(message, what);
  if (code === RpcCode.FAILED) {
    assert.notEqual(data?.['code'], 'INTERNAL', `a bad parameter is not a bug in securechat: ${what}`);
    assert.equal(typeof data?.['code'], 'string', what);
    assertSentence(data?.['sentence'], what);
  }
}

describe('agent params', () => {
  it('open with a malformed password is -32602 with a plain sentence (F4), as send is', { timeout: 60_000 }, async () => {
    const to = { account: 'bob', host: '127.0.0.1', port: 1 };
    for (const method of ['open', 'send']) {
      const params = { as: 'alice', to, text: 't', password: '%%%' };
      const a = await answer(method, params);
      assert.equal(a.error?.code, RpcCode.INVALID_PARAMS, `${method}: ${JSON.stringify(a)}`);
      assert.equal(a.error.message, '"password" must be base64');
    }
  });

  it('random params to every method: a result or a defined error, never INTERNAL', { timeout: 300_000 }, async () => {
    // Mostly valid values, so that a check behind the first ones is reached too.
    const mostly = <T,>(good: fc.Arbitrary<T>, other: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> => fc.oneof({ arbitrary: good, weight: 3 }, { arbitrary: other, weight: 1 });
    const name = mostly(fc.constantFrom('alice', 'bob'), fc.constantFrom('../x', '', 'a'.repeat(80), 'Bob Smith'));
    const port = mostly(fc.constant(1), fc.constantFrom(-1, 1.5, 70_000, '80', null, true));
    // Hosts are never free strings: a random name would be looked up in DNS.
    const host = mostly(fc.constant('127.0.0.1'), fc.constantFrom('', 'x'.repeat(300), 5, null, false));
    const to = mostly(fc.record({ account: name, host, port }), fc.jsonValue());
    const valid: Record<string, fc.Arbitrary<unknown>> = {
      as: name,
      peer: name,
      name: fc.oneof(name, fc.constantFrom('friends', 'no/slash')),
      to,
      text: fc.oneof(fc.string(), fc.constant('')),
      password: fc.constantFrom('cHc=', '%%%', '', '====', 'a'),
      users: fc.constantFrom('/nonexistent/users.json', '', 'relative/users.json'),
      port,
      host,
      limit: fc.constantFrom(0, 5, -1, 1e9, 2.5, '3'),
      before: fc.constantFrom('2026-01-01T00:00:00Z', 'yesterday', 7),
      messageId: fc.constantFrom('abcd', 'zz', 'a'.repeat(40), 12),
      invitation: fc.constantFrom('bob@127.0.0.1:1#ABCD-EFGH', 'nonsense', 'bob@:1#', 3),
      members: fc.oneof(fc.array(name, { maxLength: 3 }), fc.jsonValue()),
      member: name,
      wait: fc.boolean(),
      detach: fc.boolean(),
      acceptKsf: fc.jsonValue(),
      api: fc.jsonValue(),
    };
    // Each method's own params (docs/AGENT-API.md §4), each present most of the time, plus a few others.
    const own: Record<string, readonly string[]> = {
      hello: ['api'], status: [], subscribe: ['as'], listen: ['as', 'port', 'host', 'detach', 'users'],
      open: ['as', 'to', 'password', 'users', 'acceptKsf'], close: ['as', 'to'], say: ['as', 'peer', 'text'], unlisten: ['as'],
      send: ['as', 'to', 'text', 'users', 'password', 'wait', 'acceptKsf'], history: ['as', 'peer', 'limit', 'before'],
      outbox: ['as'], 'outbox.cancel': ['as', 'messageId'],
      'group.create': ['as', 'name', 'members', 'users'], 'group.add': ['as', 'name', 'member', 'users'], 'group.remove': ['as', 'name', 'member', 'users'],
      'group.leave': ['as', 'name', 'users'], 'group.send': ['as', 'name', 'text', 'users'], 'group.list': ['as'], 'group.show': ['as', 'name'],
      contacts: ['as'], removeContact: ['as', 'name'], invite: ['as', 'host', 'port'], accept: ['as', 'invitation', 'users'], ui: ['as', 'users', 'port'], nosuch: [],
    };
    // Every method but `stop` (it would end the agent under test).
    const methods = Object.keys(own);
    const keys = Object.keys(valid);
    const value = (k: string): fc.Arbitrary<unknown> => mostly(valid[k] ?? fc.jsonValue(), fc.jsonValue());
    const request = fc.constantFrom(...methods).chain((method) => {
      const mine = (own[method] ?? []).map((k) => fc.option(value(k).map((v) => [k, v] as const), { freq: 5, nil: undefined }));
      const extra = fc.uniqueArray(fc.constantFrom(...keys), { maxLength: 2 }).chain((ks) => fc.tuple(...ks.map((k) => value(k).map((v) => [k, v] as const))));
      return fc.tuple(fc.tuple(...mine), extra).map(([m, x]) => ({ method, params: Object.fromEntries([...x, ...m.filter((e) => e !== undefined)]) as JsonObject }));
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ method, params }) => {
        assertDefined(method, params, await answer(method, params));
      }),
      { numRuns: 1500 },
    );
  });
});
