/**
 * The outbox state machine (src/app/outbox.ts) under random sequences of what can happen:
 * messages queued, attempts that deliver or fail, kicks, cancels, expiry, a restart (restore
 * from the stored entries), the clock moving (injected). Properties: per contact, messages
 * are delivered in the order queued; none is delivered twice; none is lost (each is queued,
 * delivered, cancelled or expired); the wait after a failure stays within the backoff bounds;
 * nothing older than the expiry survives `expire`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  backoff, cancel, delivered, due, EMPTY_OUTBOX, enqueue, expire, failed, finished, head, kick, nextWake, queued, restore, start,
  type OutboxLimits, type OutboxState,
} from '../../src/app/outbox.js';
import { codeOf } from '../session/_pair.js';

const L: OutboxLimits = { perContact: 5, total: 12, expiryMs: 100_000, firstMs: 1_000, maxMs: 16_000 };
const ACCOUNTS = ['bob', 'carol', 'dave'] as const;

type Op =
  | { op: 'queue'; to: number; failedFirst: boolean; jitter: number }
  | { op: 'attempt'; to: number; ok: boolean; jitter: number }
  | { op: 'tick'; ms: number }
  | { op: 'kick'; to: number }
  | { op: 'cancel'; pick: number }
  | { op: 'expire' }
  | { op: 'restart' };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('queue' as const), to: fc.nat(2), failedFirst: fc.boolean(), jitter: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }) }), weight: 5 },
  { arbitrary: fc.record({ op: fc.constant('attempt' as const), to: fc.nat(2), ok: fc.boolean(), jitter: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }) }), weight: 5 },
  { arbitrary: fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 40_000 }) }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('kick' as const), to: fc.nat(2) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('cancel' as const), pick: fc.nat() }), weight: 1 },
  { arbitrary: fc.constant({ op: 'expire' as const }), weight: 1 },
  { arbitrary: fc.constant({ op: 'restart' as const }), weight: 1 },
);

const err = { code: 'CONNECTION_REFUSED', sentence: 'nobody is listening' };

describe('outbox state machine (pure, injected clock)', () => {
  it('property: in order per contact, never twice, nothing lost, backoff bounded, expiry exact', () => {
    fc.assert(
      fc.property(fc.array(arbOp, { maxLength: 80 }), (ops) => {
        let s: OutboxState = EMPTY_OUTBOX;
        let now = 1_000_000;
        let n = 0;
        const queuedOrder = new Map<string, string[]>(ACCOUNTS.map((a) => [a, []]));
        const deliveredOrder = new Map<string, string[]>(ACCOUNTS.map((a) => [a, []]));
        const gone = new Set<string>(); // cancelled or expired
        const all = new Set<string>();
        for (const o of ops) {
          switch (o.op) {
            case 'queue': {
              const to = ACCOUNTS[o.to] ?? 'bob';
              const id = (++n).toString(16).padStart(32, '0');
              const e = { id, to: { account: to, host: '127.0.0.1', port: 1 }, text: `m${n}`, queuedAt: now };
              const full = queued(s, to).length >= L.perContact || s.entries.length >= L.total;
              if (full) {
                assert.equal(codeOf(() => enqueue(s, e, now, L)), 'USAGE');
                break;
              }
              const had = s.queues.has(to);
              s = enqueue(s, e, now, L, o.failedFirst ? { error: err, jitter: o.jitter } : undefined);
              if (!had && o.failedFirst) {
                const wait = (s.queues.get(to)?.nextAt ?? 0) - now;
                assert.ok(wait >= L.firstMs / 2 && wait <= L.firstMs, `first wait ${wait}`);
              }
              queuedOrder.get(to)?.push(id);
              all.add(id);
              break;
            }
            case 'attempt': {
              const to = ACCOUNTS[o.to] ?? 'bob';
              if (!due(s, now).includes(to)) break;
              s = start(s, to);
              assert.ok(!due(s, now).includes(to), 'a queue being delivered is not due again');
              const h = head(s, to);
              assert.ok(h !== undefined);
              if (o.ok) {
                s = delivered(s, h.id);
                deliveredOrder.get(to)?.push(h.id);
                s = finished(s, to, now);
              } else {
                const before = s.queues.get(to)?.attempts ?? 0;
                s = failed(s, to, now, err, o.jitter, L);
                const q = s.queues.get(to);
                assert.ok(q !== undefined);
                assert.equal(q.attempts, before + 1);
                const cap = Math.min(L.maxMs, L.firstMs * 2 ** (q.attempts - 1));
                const wait = q.nextAt - now;
                assert.ok(wait >= cap / 2 && wait <= cap && wait <= L.maxMs, `wait ${wait} after ${q.attempts} failures`);
              }
              break;
            }
            case 'tick':
              now += o.ms;
              break;
            case 'kick': {
              const to = ACCOUNTS[o.to] ?? 'bob';
              s = kick(s, to, now);
              if (s.queues.has(to)) assert.ok(due(s, now).includes(to));
              break;
            }
            case 'cancel': {
              if (s.entries.length === 0) {
                assert.equal(cancel(s, 'f'.repeat(32)), null);
                break;
              }
              const e = s.entries[o.pick % s.entries.length];
              assert.ok(e !== undefined);
              const next = cancel(s, e.id);
              assert.ok(next !== null);
              s = next;
              gone.add(e.id);
              break;
            }
            case 'expire': {
              const r = expire(s, now, L);
              for (const e of r.expired) {
                assert.ok(e.queuedAt + L.expiryMs <= now);
                gone.add(e.id);
              }
              s = r.state;
              for (const e of s.entries) assert.ok(e.queuedAt + L.expiryMs > now, 'an expired message survived');
              break;
            }
            case 'restart': {
              s = restore(s.entries, now);
              for (const a of new Set(s.entries.map((e) => e.to.account))) assert.ok(due(s, now).includes(a), 'after a restart every queue is due');
              break;
            }
          }
          // nothing lost, nothing twice
          const waiting = new Set(s.entries.map((e) => e.id));
          assert.equal(waiting.size, s.entries.length, 'an id queued twice');
          const done = [...deliveredOrder.values()].flat();
          assert.equal(new Set(done).size, done.length, 'a message delivered twice');
          for (const id of all) {
            const places = [waiting.has(id), done.includes(id), gone.has(id)].filter(Boolean).length;
            assert.equal(places, 1, `message ${id} is in ${places} places`);
          }
          // per contact: delivered in the order queued, and what waits keeps that order too
          for (const a of ACCOUNTS) {
            const order = queuedOrder.get(a) ?? [];
            const d = deliveredOrder.get(a) ?? [];
            const idx = d.map((id) => order.indexOf(id));
            assert.deepEqual(idx, [...idx].sort((x, y) => x - y), `delivery order to ${a}`);
            const w = queued(s, a).map((e) => order.indexOf(e.id));
            assert.deepEqual(w, [...w].sort((x, y) => x - y), `queue order of ${a}`);
            // everything still waiting was queued after everything delivered (in order, one at a time)
            if (d.length > 0 && w.length > 0) assert.ok(Math.min(...w) > Math.max(...idx));
          }
          const wake = nextWake(s, L);
          if (s.entries.length === 0) assert.equal([...s.queues.values()].filter((q) => !q.delivering).length, 0);
          else assert.ok(wake !== undefined);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('backoff: doubles from the first wait, never above the cap, for any number of attempts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (k, j) => {
        const b = backoff(k, j, L);
        assert.ok(b <= L.maxMs && b >= Math.min(L.maxMs, L.firstMs * 2 ** (k - 1)) / 2);
      }),
    );
    assert.equal(backoff(1, 1 - Number.EPSILON, L), 1_000);
    assert.equal(backoff(3, 1 - Number.EPSILON, L), 4_000);
    assert.equal(backoff(50, 0, L), 8_000);
  });

  it('a message queued after a failed direct attempt waits its first backoff; a kick makes it due at once', () => {
    const e = { id: '1'.repeat(32), to: { account: 'bob', host: 'h', port: 1 }, text: 'x', queuedAt: 0 };
    let s = enqueue(EMPTY_OUTBOX, e, 0, L, { error: err, jitter: 0 });
    assert.deepEqual(due(s, 0), []);
    assert.deepEqual(due(s, 500), ['bob']);
    s = kick(s, 'bob', 10);
    assert.deepEqual(due(s, 10), ['bob']);
    assert.equal(enqueue(s, e, 20, L), s, 'the same id queued again changes nothing');
    assert.equal(expire(s, L.expiryMs - 1, L).expired.length, 0);
    assert.equal(expire(s, L.expiryMs, L).expired.length, 1);
  });
});
