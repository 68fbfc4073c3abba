/**
 * Issue 10 review, F6: a connection its owner drops before starting it (the login's pin or
 * contact could not be written, on either side) must be over at once: `open` false, its timers
 * stopped, its session keys wiped, and nothing left keeping it (and those keys) reachable.
 * Before the fix `destroy()` only failed the socket; the socket's close was parked in the
 * early-frame queue that only `start()` replays, so cleanup never ran and the rekey
 * setInterval kept every such connection alive. Real logins over TCP; the collection is
 * checked with WeakRef and gc (as test/wire/frame.test.ts does), bounded and event-driven.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listen, type ListenerEvent } from '../../src/chat/listener.js';
import { connect } from '../../src/chat/connect.js';
import { SecureConnection } from '../../src/transport/secure-connection.js';
import { localError, type SecureChatError } from '../../src/errors.js';
import { party } from '../chat/_fixture.js';
import { waitUntil } from '../_util/wait.js';

const diskFull = (): Promise<never> => Promise.reject(localError('STORAGE_ERROR', 'disk full'));

test('F6: a connection destroyed before it was started is closed, and neither its timers nor anything else keep it reachable', { timeout: 120_000 }, async () => {
  const v8 = await import('node:v8');
  const vm = await import('node:vm');
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;

  const refs: WeakRef<SecureConnection>[] = [];
  const openAfterDestroy: boolean[] = [];
  const orig = Object.getOwnPropertyDescriptor(SecureConnection.prototype, 'destroy')?.value as (this: SecureConnection, e: SecureChatError) => void;
  SecureConnection.prototype.destroy = function (this: SecureConnection, e: SecureChatError): void {
    refs.push(new WeakRef(this));
    orig.call(this, e);
    openAfterDestroy.push(this.open);
  };
  const alice = await party('alice');
  const bob = await party('bob');
  // A flag, not the events: an error keeps its stack frames (and their closures) reachable.
  let policyFailed = false;
  // The listener's commit fails on the second login only: one destroy on each side in all.
  let inbound = 0;
  const l = await listen({
    port: 0, account: bob.account, self: bob.self,
    policy: { ...bob.policy, commit: (...a) => (++inbound === 2 ? diskFull() : bob.policy.commit(...a)) },
    onConversation: (c) => void c.close(), onEvent: (e: ListenerEvent) => (policyFailed ||= e.type === 'policy-failed'),
  });
  try {
    const login = (policy: typeof alice.policy): Promise<string> =>
      connect({ host: '127.0.0.1', port: l.port, account: 'bob', password: bob.password, self: alice.self, policy }).then(
        async (c) => {
          await c.close();
          return 'ok';
        },
        (e: unknown) => (e as { code?: string }).code ?? 'unknown',
      );
    // Client side: the login completes, then alice's own commit fails (connect.ts destroys).
    assert.equal(await login({ ...alice.policy, commit: diskFull }), 'STORAGE_ERROR');
    // Listener side: bob's commit fails (listener.ts destroys); alice sees the connection go.
    await login(alice.policy);
    await waitUntil(() => policyFailed, 'the listener to report its failed commit');
    await waitUntil(() => refs.length === 2, 'both sides to destroy their unstarted connection');
    assert.deepEqual(openAfterDestroy, [false, false], 'destroy() ends the connection at once');
  } finally {
    SecureConnection.prototype.destroy = orig;
    await l.close();
  }
  // Sockets close and the listener lets go in later turns: collect, then look in the next turn
  // (a deref() keeps its target through the job it ran in, so never gc in the same one).
  let alive = refs.length;
  for (let round = 0; round < 50 && alive > 0; round++) {
    await new Promise((r) => setTimeout(r, 20));
    gc();
    await new Promise((r) => setImmediate(r));
    alive = refs.filter((r) => r.deref() !== undefined).length;
  }
  assert.equal(alive, 0, `${alive} of ${refs.length} destroyed, never-started connections (and their session keys) are still reachable`);
});
