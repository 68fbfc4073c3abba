/**
 * Issue 10, F1 (outside attack): a reconnect by keys (docs/PROTOCOL.md §10) gave up at the
 * first ALERT busy, while a password login retries it (CONNECT_BUSY_RETRIES, jittered backoff,
 * src/chat/busy-retry.ts). Against a real listener whose slots were held by 64 sources of
 * silent connections, 20/20 password logins got in but only 3/5 reconnects of a contact: the
 * peer the listener trusts most was the one a flood kept out.
 *
 * Here: the listener's only pending slots are held by two silent connections from 127.0.0.77
 * (injected timers: no deadline fires, and nothing evicts them for the first second); once the
 * listener has answered our attempt "busy" (an event, not a delay), the slots are freed. A
 * password login gets in on its next try; a reconnect by keys must too. Failed before the fix
 * with PEER_ALERT busy.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../../src/chat/connect.js';
import { listen, type Listener, type ListenerEvent } from '../../src/chat/listener.js';
import { reconnect } from '../../src/chat/reconnect.js';
import { FileContactBook } from '../../src/app/contact-book.js';
import { party } from './_fixture.js';
import { ManualTimers } from '../transport/_manual-timers.js';
import { waitUntil, within } from '../_util/wait.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function dir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'sc-reconnect-busy-'));
  dirs.push(d);
  return d;
}

function silent(port: number, from: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: '127.0.0.1', port, localAddress: from }, () => resolve(s));
    s.on('error', reject);
    s.on('data', () => undefined);
  });
}

/**
 * Holds both pending slots until the listener refused someone busy, then frees them. The
 * returned function starts that wait; its promise resolves to null, or to the wait's error
 * (the slots are freed either way), for the caller to assert: never an unhandled rejection.
 */
async function holdUntilRefused(l: Listener, events: ListenerEvent[]): Promise<() => Promise<unknown>> {
  const held = [await silent(l.port, '127.0.0.77'), await silent(l.port, '127.0.0.77')];
  await waitUntil(() => l.stats().pendingHandshakes === 2, 'the listener to count both silent connections as pending');
  const before = events.filter((e) => e.type === 'refused').length;
  return () =>
    waitUntil(() => events.filter((e) => e.type === 'refused').length > before, 'the listener to answer our attempt busy').then(
      () => null,
      (e: unknown) => e,
    ).finally(() => {
      for (const s of held) s.destroy();
    });
}

test('F1: a contact\'s reconnect by keys retries an ALERT busy, as a password login does', { timeout: 120_000 }, async () => {
  const alice = await party('alice');
  const bob = await party('bob');
  const aDir = await dir();
  const events: ListenerEvent[] = [];
  // Deadlines never fire by themselves (injected timers): the silent connections hold their slots until we free them.
  const l = await listen({
    port: 0, account: bob.account, self: bob.self, policy: bob.policy, timers: new ManualTimers(),
    admission: { full: 2, start: 2, perSource: 2 },
    contacts: new FileContactBook(await dir()),
    onConversation: (c) => c.on('message', () => undefined), onEvent: (e) => events.push(e),
  });
  try {
    const book = new FileContactBook(aDir);
    await (await connect({ host: '127.0.0.1', port: l.port, account: 'bob', password: bob.password, self: alice.self, policy: alice.policy, contacts: book })).close();
    const contact = await book.outbound('bob');
    assert.ok(contact !== null, 'the password login made bob alice\'s contact');

    // Control: a password login answered busy retries and gets in once the slots are free.
    const free1 = await holdUntilRefused(l, events);
    // (with alice's contact book: each password login gives the pair a fresh contact secret on both sides)
    const login = connect({ host: '127.0.0.1', port: l.port, account: 'bob', password: bob.password, self: alice.self, policy: alice.policy, contacts: book });
    const freed1 = free1();
    await (await within(login, 'the password login through a busy answer')).close();
    assert.ifError(await freed1);
    await waitUntil(() => l.stats().pendingHandshakes === 0, 'the listener to have no pending handshake');

    // F1: the same for a reconnect by keys.
    const free2 = await holdUntilRefused(l, events);
    const again = reconnect({ host: '127.0.0.1', port: l.port, contact, contacts: book, self: alice.self });
    const freed2 = free2();
    const outcome = await within(again.then(
      async (r) => {
        await r.saved;
        await r.conv.close();
        return 'OK';
      },
      (e: unknown) => `${(e as { code?: string }).code ?? 'unknown'}: ${(e as Error).message}`,
    ), 'the reconnect by keys through a busy answer');
    assert.ifError(await freed2);
    assert.equal(outcome, 'OK', 'the reconnect by keys retried the busy answer and got in');
  } finally {
    await l.close();
  }
});
