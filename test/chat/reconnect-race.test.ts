/**
 * Reconnects to one contact in quick succession from one process, as the agent makes them
 * (src/app/messenger.ts opens a new link while the previous one is still closing, and reads
 * the contact afresh each time): the next reconnect must not start from a secret the previous
 * one is still replacing, so none fails (AUTH_FAILED, then a password fallback in the agent).
 * Real TCP on 127.0.0.1, the real contacts.json files; nothing waits on a timer.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../../src/chat/connect.js';
import { listen, type ListenerEvent } from '../../src/chat/listener.js';
import { reconnect } from '../../src/chat/reconnect.js';
import type { HandshakeStep } from '../../src/chat/types.js';
import { loadContacts } from '../../src/identity/contacts-file.js';
import { FileContactBook } from '../../src/app/contact-book.js';
import { party } from './_fixture.js';
import { waitUntilAsync } from '../_util/wait.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function dir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'sc-race-'));
  dirs.push(d);
  return d;
}

async function contacts() {
  const alice = await party('alice');
  const bob = await party('bob');
  const aDir = await dir();
  const bDir = await dir();
  const events: ListenerEvent[] = [];
  const l = await listen({
    port: 0, account: bob.account, self: bob.self, policy: bob.policy, contacts: new FileContactBook(bDir),
    onConversation: (c) => c.on('message', () => undefined), onEvent: (e) => events.push(e),
  });
  const conv = await connect({ host: '127.0.0.1', port: l.port, account: 'bob', password: bob.password, self: alice.self, policy: alice.policy, contacts: new FileContactBook(aDir) });
  await conv.waitReceipt(conv.send('first, with the password'));
  await conv.close();
  return { alice, aDir, bDir, l, events };
}

const refusals = (ev: readonly ListenerEvent[]): string[] => ev.flatMap((e) => (e.type === 'handshake-failed' ? [e.error.code] : []));
/**
 * The listener looks up its durable state (§10.7): a reconnect that arrives while its previous
 * commit is still being written is one epoch ahead, refused as stale, and retried once with the
 * previous secret. That is the only refusal allowed, and only once per reconnect.
 */
const staleOnly = (codes: readonly string[]): boolean => codes.every((c) => c === 'RECONNECT_STALE');

/**
 * Both files end at the same epoch and secret once the listener's last commit landed (it runs
 * after the first record, so it may still be on its way; an earlier commit may show the same
 * epoch with another secret meanwhile, when a retry re-derived it).
 */
async function agree(aDir: string, bDir: string): Promise<void> {
  const out = (await loadContacts(aDir)).contacts[0]?.out?.current;
  assert.ok(out !== undefined);
  const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('hex');
  await waitUntilAsync(async () => {
    const inb = (await loadContacts(bDir)).contacts[0]?.in?.current;
    return inb?.epoch === out.epoch && hex(inb.secret) === hex(out.secret);
  }, `the listener's contacts.json at alice's epoch ${out.epoch} with the same secret`);
}

test('back-to-back reconnects, each started before the previous one saved its secret: none fails, none needs the password', async () => {
  const w = await contacts();
  try {
    const saves: Promise<void>[] = [];
    const connects: number[] = [];
    for (let i = 0; i < 8; i++) {
      // As the messenger does: a fresh book and a fresh read of the contact for every link.
      const book = new FileContactBook(w.aDir);
      const contact = await book.outbound('bob');
      assert.ok(contact !== null, 'alice has bob as a contact');
      let n = 0;
      const onStep = (s: HandshakeStep): void => {
        if (s.step === 'connecting') n++;
      };
      const r = await reconnect({ host: '127.0.0.1', port: w.l.port, contact, contacts: book, self: w.alice.self, onStep });
      saves.push(r.saved); // not awaited here: the next send does not wait for the fsync
      await r.conv.waitReceipt(r.conv.send(`message ${i}`));
      await r.conv.close();
      connects.push(n);
    }
    await Promise.all(saves);
    assert.ok(connects.every((n) => n === 1 || n === 2), `at most one retry with the previous secret: ${connects.join(',')}`);
    assert.ok(staleOnly(refusals(w.events)), `the listener refused only stale epochs: ${refusals(w.events).join(',')}`);
    // A first-attempt reconnect moves the chain one epoch; a retry under `previous` re-derives
    // the current epoch instead (§10.5).
    const firsts = connects.filter((n) => n === 1).length;
    assert.equal((await loadContacts(w.aDir)).contacts[0]?.out?.current.epoch, firsts);
    await agree(w.aDir, w.bDir);
  } finally {
    await w.l.close();
  }
});

test('two reconnects to one contact at the same moment: both connect, neither is refused, and the two sides agree afterwards', async () => {
  const w = await contacts();
  try {
    const one = async (i: number): Promise<number> => {
      const book = new FileContactBook(w.aDir);
      const contact = await book.outbound('bob');
      assert.ok(contact !== null);
      let n = 0;
      const r = await reconnect({ host: '127.0.0.1', port: w.l.port, contact, contacts: book, self: w.alice.self, onStep: (s) => { if (s.step === 'connecting') n++; } });
      await r.conv.waitReceipt(r.conv.send(`concurrent ${i}`));
      await r.conv.close();
      await r.saved;
      return n;
    };
    const [a, b] = await Promise.all([one(0), one(1)]);
    assert.ok(a <= 2 && b <= 2, `at most one retry each: ${a}, ${b}`);
    assert.ok(staleOnly(refusals(w.events)), `the listener refused only stale epochs: ${refusals(w.events).join(',')}`);
    // Agreement: the next reconnect succeeds, and both files name the same epoch.
    assert.ok((await one(2)) <= 2);
    await agree(w.aDir, w.bDir);
  } finally {
    await w.l.close();
  }
});
