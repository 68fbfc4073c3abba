/**
 * The agent's group methods (src/agent/methods-groups.ts, docs/AGENT-API.md §4.10) called as
 * the agent calls them, on a real Messenger over a temporary home: bad params are -32602 and
 * create nothing; failed operations are -32000 with the stable code and exit code.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KSF_TEST } from '../../src/crypto/opaque.js';
import { Messenger } from '../../src/app/messenger.js';
import { OutboxRunner } from '../../src/app/outbox-runner.js';
import { DirectRoute } from '../../src/app/outbox-route.js';
import { handle, type Peer } from '../../src/agent/methods.js';
import type { ContactsState } from '../../src/agent/methods-contacts.js';
import { Pages } from '../../src/agent/page.js';
import { FeedHub } from '../../src/app/feed-hub.js';
import { agentPaths } from '../../src/agent/paths.js';
import { RpcCode, RpcFailure, type Json, type JsonObject } from '../../src/agent/rpc.js';

let home = '';
let state: ContactsState;
const peer: Peer = { subscribed: new Set(), holds: [], links: [], notify: () => undefined, end: () => undefined };
let next = 1;
const call = (method: string, params: JsonObject): Promise<Json> => handle(state, peer, { id: next++, method, params });
async function failure(p: Promise<unknown>): Promise<RpcFailure> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RpcFailure) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'securechat-grpc-'));
  const messenger = new Messenger({ home, ksf: KSF_TEST });
  const outbox = new OutboxRunner({ home, route: new DirectRoute(messenger), feed: () => ({ status: () => undefined, warn: () => undefined, line: () => undefined }), onChange: () => undefined });
  state = { paths: agentPaths(home), startedAt: Date.now(), messenger, outbox, ksf: KSF_TEST, pages: new Pages({ home, ksf: KSF_TEST, messenger, feeds: new FeedHub() }, () => undefined), clients: 1, stop: async () => undefined };
});
after(async () => {
  state.outbox.close();
  await state.messenger.close();
  await rm(home, { recursive: true, force: true });
});

describe('agent group methods', () => {
  it('bad params are -32602 naming the field, and create nothing', async () => {
    const bad: [string, JsonObject, RegExp][] = [
      ['group.create', {}, /"as" must be a string/],
      ['group.create', { as: 'no spaces allowed', name: 'team' }, /"as" is not a valid username/],
      ['group.create', { as: 'alice' }, /"name" must be a string/],
      ['group.create', { as: 'alice', name: 'has space' }, /"name" is not a valid group name/],
      ['group.create', { as: 'alice', name: 'x'.repeat(65) }, /"name" is not a valid group name/],
      ['group.create', { as: 'alice', name: 'team', users: 7 }, /"users" must be the path/],
      ['group.show', { as: 'alice', name: '' }, /"name" is not a valid group name/],
      ['group.add', { as: 'alice', name: 'team' }, /"members" must be a list/],
      ['group.add', { as: 'alice', name: 'team', members: [] }, /"members" must be a list/],
      ['group.add', { as: 'alice', name: 'team', members: Array.from({ length: 17 }, (_, i) => `u${i}`) }, /"members" must be a list of 1 to 16/],
      ['group.add', { as: 'alice', name: 'team', members: ['bob', 3] }, /"members\[1\]" must be a string/],
      ['group.remove', { as: 'alice', name: 'team' }, /"member" must be a string/],
      ['group.send', { as: 'alice', name: 'team' }, /"text" must be a string/],
      ['group.send', { as: 'alice', name: 'team', text: '' }, /"text" must not be empty/],
    ];
    for (const [method, params, re] of bad) {
      const f = await failure(call(method, params));
      assert.equal(f.rpcCode, RpcCode.INVALID_PARAMS, `${method} ${JSON.stringify(params)}`);
      assert.match(f.message, re);
    }
    assert.equal(existsSync(join(home, 'users', 'alice', 'groups')), false, 'no group files');
  });

  it('create, list, show; a second create, an unknown group, a non-contact and a non-member fail with their codes', async () => {
    const g = (await call('group.create', { as: 'alice', name: 'team' })) as JsonObject;
    assert.equal(g['name'], 'team');
    assert.equal(g['epoch'], '0');
    assert.deepEqual((g['members'] as JsonObject[]).map((m) => [m['name'], m['keyState'], m['committer']]), [['alice', 'you', true]]);
    const list = (await call('group.list', { as: 'alice' })) as { groups: JsonObject[] };
    assert.deepEqual(list.groups.map((x) => x['name']), ['team']);
    assert.equal(((await call('group.show', { as: 'alice', name: 'team' })) as JsonObject)['committer'], 'alice');
    const sent = (await call('group.send', { as: 'alice', name: 'team', text: 'alone' })) as JsonObject;
    assert.deepEqual(sent['deliveries'], []);
    const cases: [string, JsonObject, string, number][] = [
      ['group.create', { as: 'alice', name: 'team' }, 'USAGE', 2],
      ['group.show', { as: 'alice', name: 'other' }, 'GROUP_UNKNOWN', 2],
      ['group.add', { as: 'alice', name: 'team', members: ['bob'] }, 'USAGE', 2],
      ['group.remove', { as: 'alice', name: 'team', member: 'bob' }, 'UNKNOWN_USER', 2],
      ['group.leave', { as: 'alice', name: 'team' }, 'GROUP_COMMIT_REFUSED', 6],
    ];
    for (const [method, params, code, exit] of cases) {
      const f = await failure(call(method, params));
      assert.equal(f.rpcCode, RpcCode.FAILED, method);
      assert.equal(f.data?.['code'], code, `${method}: ${f.message}`);
      assert.equal(f.data?.['exit'], exit, method);
      assert.equal(typeof f.data?.['sentence'], 'string');
    }
  });
});
