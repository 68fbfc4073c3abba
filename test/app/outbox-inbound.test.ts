/**
 * "At once when that contact connects to us": alice's message to bob waits in her outbox (bob's
 * listener is gone, and the retry timer is an hour away); bob connects to alice's listener;
 * the conversation that came in makes alice's queue due, and the message goes over it (bob
 * needs no listener of his own). Two messengers over TCP on 127.0.0.1, an injected clock.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KSF_TEST } from '../../src/crypto/opaque.js';
import { utf8 } from '../../src/crypto/bytes.js';
import { SILENT, type JsonEvent } from '../../src/app/host.js';
import { Messenger } from '../../src/app/messenger.js';
import { OutboxRunner } from '../../src/app/outbox-runner.js';
import { DirectRoute } from '../../src/app/outbox-route.js';
import { DEFAULT_OUTBOX_LIMITS } from '../../src/app/outbox.js';
import type { Feed } from '../../src/app/listening.js';
import { within } from '../_util/wait.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function feedInto(into: JsonEvent[]): (user: string) => Feed {
  const push = (_t: string, e?: JsonEvent): void => {
    if (e !== undefined) into.push(e);
  };
  return () => ({ status: push, warn: push, line: push });
}

describe('outbox: a conversation the contact opens to us delivers what waits for them', () => {
  it('queued while bob is unreachable; bob connects to alice; the message goes over that conversation at once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'securechat-inbound-'));
    dirs.push(dir);
    const users = join(dir, 'users.json');
    await writeFile(users, JSON.stringify([{ username: 'alice', password: 'pw-alice', ip: '127.0.0.1', port: 1 }, { username: 'bob', password: 'pw-bob', ip: '127.0.0.1', port: 2 }]));
    const aliceEvents: JsonEvent[] = [];
    const bobEvents: JsonEvent[] = [];
    const ref: { runner?: OutboxRunner } = {};
    const alice = new Messenger({ home: join(dir, 'a'), ksf: KSF_TEST, feed: feedInto(aliceEvents), onInbound: (u, p) => ref.runner?.kick(u, p) });
    const bob = new Messenger({ home: join(dir, 'b'), ksf: KSF_TEST, feed: feedInto(bobEvents) });
    const runner = new OutboxRunner({ home: join(dir, 'a'), route: new DirectRoute(alice), feed: feedInto(aliceEvents), limits: { ...DEFAULT_OUTBOX_LIMITS, firstMs: 3_600_000, maxMs: 3_600_000 } });
    ref.runner = runner;
    try {
      // alice becomes bob's contact (one password login), then bob's listener goes away
      const lb = await bob.listen('bob', { host: '127.0.0.1', port: 0, usersPath: users }, SILENT, { established: false });
      const toBob = { account: 'bob', host: '127.0.0.1', port: lb.port };
      await alice.send({ as: 'alice', target: toBob, text: 'hello', password: utf8('pw-bob') }, SILENT, { established: false });
      await bob.unlisten('bob');

      const la = await alice.listen('alice', { host: '127.0.0.1', port: 0, usersPath: users }, SILENT, { established: false });
      const queued = await runner.send('alice', toBob, 'while you were away', SILENT, false);
      assert.equal(queued.delivered, false);
      assert.equal(queued.reason?.code, 'CONNECTION_REFUSED');

      // bob connects to alice (a password login to alice's listener); bob listens nowhere
      const toAlice = { account: 'alice', host: '127.0.0.1', port: la.port };
      await bob.hold({ as: 'bob', target: toAlice, password: utf8('pw-alice') }, SILENT, { established: false });
      await within(runner.waitEmpty('alice'), 'the queue to go over the conversation bob opened');
      const got = bobEvents.filter((e) => e['event'] === 'message').map((e) => e['text']);
      assert.deepEqual(got, ['hello', 'while you were away']);
      assert.equal(bobEvents.find((e) => e['event'] === 'message' && e['text'] === 'while you were away')?.['messageId'], queued.messageId);
      assert.ok(aliceEvents.some((e) => e['event'] === 'delivered' && e['messageId'] === queued.messageId));
      await bob.release('bob', toAlice);
      await alice.unlisten('alice');
    } finally {
      runner.close();
      await alice.close();
      await bob.close();
    }
  });
});
