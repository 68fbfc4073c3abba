/**
 * ATTACK (branch `attack`): invitations (docs/PROTOCOL.md §11) against a real listener on
 * 127.0.0.1 with the real invitation.json — two accepts of one code raced, and a recorded
 * accept (its INVITE_HELLO, captured by a relay in the middle) played again, after the
 * invitation was used and while a new one is pending. Guards: these pass today (the race
 * yields exactly one contact; a replay never yields a second one). Live counterpart:
 * /work/attack/race-invite.sh (two CLI `accept`s of one code at once, 3 runs: one success and
 * one "code is wrong" each time the two names were fresh).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect as netConnect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utf8 } from '../../src/crypto/bytes.js';
import { KSF_TEST } from '../../src/crypto/opaque.js';
import { systemRandom } from '../../src/crypto/random.js';
import { connect } from '../../src/chat/connect.js';
import { listen, type ListenerEvent } from '../../src/chat/listener.js';
import { createInvitation, normaliseCode } from '../../src/identity/invitations.js';
import { loadContacts } from '../../src/identity/contacts-file.js';
import { FileContactBook, FileInvitationBook } from '../../src/app/contact-book.js';
import { FrameDecoder, FrameType } from '../../src/wire/frame.js';
import { party } from './_fixture.js';
import { within } from '../_util/wait.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function dir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'sc-attack-inv-'));
  dirs.push(d);
  return d;
}

/** A relay to `port` that records the first chunk the client sends (its INVITE_HELLO). */
function recordingRelay(port: number): Promise<{ server: Server; port: number; first: () => Buffer | null }> {
  let first: Buffer | null = null;
  const server = createServer((c) => {
    const up = netConnect({ host: '127.0.0.1', port });
    c.on('data', (d: Buffer) => {
      first ??= Buffer.from(d);
      up.write(d);
    });
    up.on('data', (d: Buffer) => c.write(d));
    c.on('close', () => up.destroy());
    up.on('close', () => c.destroy());
    c.on('error', () => undefined);
    up.on('error', () => undefined);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    resolve({ server, port: typeof a === 'object' && a !== null ? a.port : 0, first: () => first });
  }));
}

/** Sends `bytes` on a fresh connection; the frame types the listener answers with, and the ALERT code. */
function replay(port: number, bytes: Buffer): Promise<{ types: number[]; alert: number | null }> {
  return within(new Promise((resolve) => {
    const s = netConnect({ host: '127.0.0.1', port }, () => s.write(bytes));
    const d = new FrameDecoder();
    const types: number[] = [];
    let alert: number | null = null;
    s.on('data', (b: Buffer) => {
      try {
        for (const f of d.push(new Uint8Array(b))) {
          types.push(f.type);
          if (f.type === FrameType.ALERT) alert = f.payload[0] ?? null;
        }
      } catch {
        // not our concern
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve({ types, alert }));
  }), 'the listener to answer a replayed INVITE_HELLO and close');
}

test('ATTACK: two accepts of one invitation raced: exactly one becomes a contact; a recorded accept replayed gets no ServerHello once used', { timeout: 120_000 }, async () => {
  const bob = await party('bob');
  const bDir = await dir();
  const events: ListenerEvent[] = [];
  const l = await listen({
    port: 0, account: bob.account, self: bob.self, policy: bob.policy,
    contacts: new FileContactBook(bDir), invitations: new FileInvitationBook(bDir),
    onConversation: (c) => c.on('message', () => undefined), onEvent: (e) => events.push(e),
  });
  const relay = await recordingRelay(l.port);
  try {
    const code = await createInvitation(bDir, 'bob', KSF_TEST, systemRandom, Date.now());
    const pw = utf8(normaliseCode(code) ?? '');
    const [carol, dave] = [await party('carol'), await party('dave')];
    const books = { carol: new FileContactBook(await dir()), dave: new FileContactBook(await dir()) };
    const accept = (who: typeof carol, port: number): Promise<string> =>
      connect({ host: '127.0.0.1', port, account: 'bob', password: pw, invitation: true, self: who.self, policy: who.policy, contacts: who === carol ? books.carol : books.dave, busyRetries: 0 }).then(
        async (c) => {
          await c.close();
          return 'OK';
        },
        (e: unknown) => (e as { code?: string }).code ?? 'unknown',
      );
    // carol's accept goes through the recording relay; dave's straight to the listener, at the same time.
    const outcomes = await within(Promise.all([accept(carol, relay.port), accept(dave, l.port)]), 'both accepts');
    assert.equal(outcomes.filter((o) => o === 'OK').length, 1, `exactly one accept succeeded: ${JSON.stringify(outcomes)}`);
    assert.deepEqual((await loadContacts(bDir)).contacts.map((c) => c.via), ['invitation'], 'the listener made exactly one contact');

    const recorded = relay.first();
    assert.ok(recorded !== null && recorded[1] === FrameType.INVITE_HELLO, 'the relay recorded carol\'s INVITE_HELLO');
    // Replayed after use: refused before any OPAQUE work (no ServerHello), ALERT handshake_failed.
    const used = await replay(l.port, recorded);
    assert.deepEqual(used, { types: [FrameType.ALERT], alert: 0x01 });
    // Replayed while a new invitation is pending: the listener answers (one guess spent, as any
    // stranger's INVITE_HELLO would), but the replayer cannot finish, and no contact is made.
    await createInvitation(bDir, 'bob', KSF_TEST, systemRandom, Date.now());
    const fresh = await replay(l.port, recorded);
    assert.ok(!fresh.types.includes(FrameType.SERVER_FINISH));
    assert.equal((await loadContacts(bDir)).contacts.length, 1, 'still exactly one contact');
  } finally {
    relay.server.close();
    await l.close();
  }
});
