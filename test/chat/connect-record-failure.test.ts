/**
 * Issue 10, F6 (outside attack): when writing what a successful login proved fails on the
 * connecting side (the pin: `policy.commit`, known_peers; the KSF pin: `commitKsf`; the new
 * contact: `contacts.madeContact`, contacts.json: a full disk, a file in the way), `connect`
 * awaited `close()` of a SecureConnection that was never started: the peer's answering CLOSE
 * was only queued as an "early" frame, the close never finished and `connect` never settled
 * (`send` hung instead of one sentence and exit 1). Now the connection is dropped at once and
 * the error reaches the caller; the listener sees the connection end. Hung before the fix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../src/chat/connect.js';
import { listen } from '../../src/chat/listener.js';
import { localError } from '../../src/errors.js';
import type { ContactBook } from '../../src/chat/contacts.js';
import type { PeerPolicy } from '../../src/chat/types.js';
import { party } from './_fixture.js';
import { waitUntil, within } from '../_util/wait.js';

const diskFull = (what: string): Promise<never> => Promise.reject(localError('STORAGE_ERROR', `cannot write ${what} (disk full)`));

/** A contact book that only fails to record a new contact. */
const failingBook: ContactBook = {
  outbound: () => Promise.resolve(null),
  lookup: () => null,
  commitOutbound: () => Promise.resolve(),
  commitInbound: () => Promise.resolve(),
  madeContact: () => diskFull('contacts.json'),
};

const CASES: { name: string; policy: (p: PeerPolicy) => PeerPolicy; contacts?: ContactBook }[] = [
  { name: 'the pin (known_peers.json)', policy: (p) => ({ ...p, commit: () => diskFull('known_peers.json') }) },
  { name: 'the KSF pin (listener_ksf.json)', policy: (p) => ({ ...p, ksfPin: () => undefined, commitKsf: () => diskFull('listener_ksf.json') }) },
  { name: 'the new contact (contacts.json)', policy: (p) => p, contacts: failingBook },
];

for (const c of CASES) {
  test(`F6: a login where ${c.name} cannot be written fails with that error; it does not hang`, { timeout: 120_000 }, async () => {
    const alice = await party('alice');
    const bob = await party('bob');
    const l = await listen({ port: 0, account: bob.account, self: bob.self, policy: bob.policy, onConversation: (conv) => conv.on('message', () => undefined) });
    try {
      const outcome = await within(
        connect({ host: '127.0.0.1', port: l.port, account: 'bob', password: bob.password, self: alice.self, policy: c.policy(alice.policy), ...(c.contacts === undefined ? {} : { contacts: c.contacts }) }).then(
          () => 'connected',
          (e: unknown) => (e as { code?: string }).code ?? 'unknown',
        ),
        `connect to settle after ${c.name} failed to be written (it hung: the unstarted connection never finished closing)`,
        30_000,
      );
      assert.equal(outcome, 'STORAGE_ERROR');
      await waitUntil(() => l.stats().sessions === 0, 'the listener to see the dropped connection end');
    } finally {
      await l.close();
    }
  });
}
