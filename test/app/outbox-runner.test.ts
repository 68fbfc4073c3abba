/**
 * The outbox runner (src/app/outbox-runner.ts) with a fake route and an injected clock: a
 * message to an unreachable contact is queued durably; later ones queue behind it without a
 * new attempt; a refusal a retry would not change is thrown, not queued; a kick (the contact
 * connected) delivers the queue in order, each once; a new runner on the same home resumes
 * what was stored; `wait` resolves at delivery; expiry drops and tells.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remoteError } from '../../src/errors.js';
import { SILENT, type JsonEvent } from '../../src/app/host.js';
import { ensureUserDir } from '../../src/identity/home.js';
import { DEFAULT_OUTBOX_LIMITS, type OutboxEntry } from '../../src/app/outbox.js';
import { OutboxRunner } from '../../src/app/outbox-runner.js';
import type { DeliveryRoute } from '../../src/app/outbox-route.js';
import type { Feed } from '../../src/app/listening.js';
import { waitUntil, within } from '../_util/wait.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

class FakeRoute implements DeliveryRoute {
  up = false;
  opens = 0;
  refuse: Error | undefined;
  readonly got: string[] = [];
  open(): Promise<{ deliver(e: OutboxEntry): Promise<void>; close(): Promise<void> }> {
    this.opens++;
    if (this.refuse !== undefined) return Promise.reject(this.refuse);
    if (!this.up) return Promise.reject(remoteError('CONNECTION_REFUSED', 'nobody listens'));
    return Promise.resolve({
      deliver: async (e: OutboxEntry) => {
        await new Promise((r) => setImmediate(r));
        this.got.push(e.text);
      },
      close: () => Promise.resolve(),
    });
  }
}

const LIMITS = { ...DEFAULT_OUTBOX_LIMITS, firstMs: 3_600_000, maxMs: 3_600_000, expiryMs: 10_000 };
const bob = { account: 'bob', host: '127.0.0.1', port: 5002 };

function feedInto(events: JsonEvent[]): (u: string) => Feed {
  const push = (_t: string, e?: JsonEvent): void => {
    if (e !== undefined) events.push(e);
  };
  return () => ({ status: push, warn: push, line: push });
}

describe('outbox runner (fake route, injected clock)', () => {
  it('queues when unreachable, delivers in order once on a kick, resumes after a restart, wait and expiry', async () => {
    const home = await mkdtemp(join(tmpdir(), 'securechat-runner-'));
    dirs.push(home);
    await ensureUserDir(home, 'alice');
    let now = 1_000_000;
    const route = new FakeRoute();
    const events: JsonEvent[] = [];
    const mk = (): OutboxRunner => new OutboxRunner({ home, route, feed: feedInto(events), now: () => now, jitter: () => 0, limits: LIMITS });
    let r = mk();
    const first = await r.send('alice', bob, 'm1', SILENT, false);
    assert.equal(first.delivered, false);
    assert.equal(first.reason?.code, 'CONNECTION_REFUSED');
    assert.equal(route.opens, 1);
    await r.send('alice', bob, 'm2', SILENT, false);
    assert.equal(route.opens, 1, 'a message behind a waiting queue is not tried on its own');
    assert.ok(r.pending);

    route.refuse = remoteError('PEER_KEY_CHANGED', 'another key');
    await assert.rejects(r.send('alice', { ...bob, account: 'carol' }, 'to carol', SILENT, false), (e: unknown) => (e as { code?: string }).code === 'PEER_KEY_CHANGED');
    assert.deepEqual((await r.list('alice')).map((m) => m.text), ['m1', 'm2'], 'a refusal is not queued');
    route.refuse = undefined;

    // the agent is killed: a new runner on the same home finds both, and `m3` queues behind them
    r.close();
    r = mk();
    await r.resume();
    await waitUntil(() => route.opens >= 3, 'the resumed runner to try at once');
    await within((async () => {
      while ((await r.list('alice')).some((m) => m.delivering)) await new Promise((res) => setImmediate(res));
    })(), 'the failed attempt to settle');
    const third = r.send('alice', bob, 'm3', SILENT, true);
    await waitUntil(() => events.filter((e) => e['event'] === 'queued').length === 3, 'm3 to be queued');
    route.up = true;
    r.kick('alice', 'bob'); // bob connected to us
    await within(third, 'send --wait of m3 to resolve at its delivery');
    await within(r.waitEmpty('alice'), 'the outbox to empty');
    assert.deepEqual(route.got, ['m1', 'm2', 'm3'], 'in order, each once');
    assert.deepEqual(events.filter((e) => e['event'] === 'delivered').length, 3);
    assert.equal(r.pending, false);

    // expiry, with the injected clock
    route.up = false;
    const late = r.send('alice', bob, 'too late', SILENT, true);
    await waitUntil(() => events.filter((e) => e['event'] === 'queued').length === 4, 'the late one to be queued');
    now += LIMITS.expiryMs;
    r.kick('alice', 'bob');
    await assert.rejects(within(late, 'the expiry to reject the waiting send'), (e: unknown) => (e as { code?: string }).code === 'NETWORK_ERROR');
    assert.ok(events.some((e) => e['event'] === 'expired'));
    assert.deepEqual(await r.list('alice'), []);
    r.close();
  });
});
