/**
 * Contacts and invitations through the chat layer over real TCP on 127.0.0.1, with the real
 * files (contacts.json, invitation.json) in temporary user directories and an injected clock
 * for the invitation's expiry: accepted once, refused the second time, refused after expiry,
 * and a wrong guess uses the invitation up (one online guess).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utf8 } from '../../src/crypto/bytes.js';
import { KSF_TEST } from '../../src/crypto/opaque.js';
import { deterministicRandom } from '../../src/crypto/random.js';
import { connect } from '../../src/chat/connect.js';
import { listen, type ListenerEvent } from '../../src/chat/listener.js';
import { reconnect } from '../../src/chat/reconnect.js';
import { loadContacts } from '../../src/identity/contacts-file.js';
import { createInvitation, INVITATION_TTL_MS, normaliseCode } from '../../src/identity/invitations.js';
import { FileContactBook, FileInvitationBook } from '../../src/app/contact-book.js';
import { party } from './_fixture.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function dir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'sc-contacts-'));
  dirs.push(d);
  return d;
}

async function world(clock: { now: number }) {
  const alice = await party('alice');
  const bob = await party('bob');
  const aDir = await dir();
  const bDir = await dir();
  const events: ListenerEvent[] = [];
  const l = await listen({
    port: 0, account: bob.account, self: bob.self, policy: bob.policy,
    contacts: new FileContactBook(bDir), invitations: new FileInvitationBook(bDir), now: () => clock.now,
    onConversation: (c) => c.on('message', () => undefined), onEvent: (e) => events.push(e),
  });
  return { alice, bob, aDir, bDir, l, events };
}

const failures = (ev: ListenerEvent[]): string[] => ev.flatMap((e) => (e.type === 'handshake-failed' ? [e.error.code] : []));

test('a password login makes both sides contacts; the next connection reconnects by keys and the ratchet advances in both files', async () => {
  const w = await world({ now: Date.now() });
  try {
    const conv = await connect({ host: '127.0.0.1', port: w.l.port, account: 'bob', password: w.bob.password, self: w.alice.self, policy: w.alice.policy, contacts: new FileContactBook(w.aDir) });
    await conv.waitReceipt(conv.send('hello'));
    await conv.close();
    const book = new FileContactBook(w.aDir);
    const contact = await book.outbound('bob');
    assert.ok(contact !== null);
    assert.equal((await loadContacts(w.bDir)).contacts[0]?.name, 'alice');
    const r = await reconnect({ host: '127.0.0.1', port: w.l.port, contact, contacts: book, self: w.alice.self });
    await r.conv.waitReceipt(r.conv.send('by keys'));
    await r.saved;
    await r.conv.close();
    assert.equal((await loadContacts(w.aDir)).contacts[0]?.out?.current.epoch, 1);
    // the listener commits once alice's first record arrived
    assert.equal((await loadContacts(w.bDir)).contacts[0]?.in?.current.epoch, 1);
  } finally {
    await w.l.close();
  }
});

test('an invitation: accepted once (both contacts, via invitation), refused the second time (INVITATION_INVALID)', async () => {
  const clock = { now: Date.now() };
  const w = await world(clock);
  try {
    const code = await createInvitation(w.bDir, 'bob', KSF_TEST, deterministicRandom('inv'), clock.now);
    const pw = utf8(normaliseCode(code) ?? '');
    const conv = await connect({ host: '127.0.0.1', port: w.l.port, account: 'bob', password: pw, invitation: true, self: w.alice.self, policy: w.alice.policy, contacts: new FileContactBook(w.aDir) });
    await conv.close();
    assert.equal((await loadContacts(w.aDir)).contacts[0]?.via, 'invitation');
    assert.equal((await loadContacts(w.bDir)).contacts[0]?.via, 'invitation');
    await assert.rejects(
      connect({ host: '127.0.0.1', port: w.l.port, account: 'bob', password: pw, invitation: true, self: w.alice.self, policy: w.alice.policy }),
      (e: unknown) => (e as { code?: string }).code === 'PEER_ALERT',
    );
    assert.deepEqual(failures(w.events), ['INVITATION_INVALID']);
  } finally {
    await w.l.close();
  }
});

test('an invitation after its expiry (injected clock) is refused with INVITATION_INVALID', async () => {
  const clock = { now: 1_000_000 };
  const w = await world(clock);
  try {
    const code = await createInvitation(w.bDir, 'bob', KSF_TEST, deterministicRandom('exp'), clock.now);
    clock.now += INVITATION_TTL_MS;
    await assert.rejects(
      connect({ host: '127.0.0.1', port: w.l.port, account: 'bob', password: utf8(normaliseCode(code) ?? ''), invitation: true, self: w.alice.self, policy: w.alice.policy }),
      (e: unknown) => (e as { code?: string }).code === 'PEER_ALERT',
    );
    assert.deepEqual(failures(w.events), ['INVITATION_INVALID']);
    assert.equal((await loadContacts(w.bDir)).contacts.length, 0);
  } finally {
    await w.l.close();
  }
});

test('one online guess: a wrong code uses the invitation up, the right one is refused afterwards', async () => {
  const clock = { now: Date.now() };
  const w = await world(clock);
  try {
    const code = await createInvitation(w.bDir, 'bob', KSF_TEST, deterministicRandom('guess'), clock.now);
    await assert.rejects(connect({ host: '127.0.0.1', port: w.l.port, account: 'bob', password: utf8('00000000'), invitation: true, self: w.alice.self, policy: w.alice.policy }));
    await assert.rejects(
      connect({ host: '127.0.0.1', port: w.l.port, account: 'bob', password: utf8(normaliseCode(code) ?? ''), invitation: true, self: w.alice.self, policy: w.alice.policy }),
      (e: unknown) => (e as { code?: string }).code === 'PEER_ALERT',
    );
    assert.equal(failures(w.events).at(-1), 'INVITATION_INVALID');
  } finally {
    await w.l.close();
  }
});
