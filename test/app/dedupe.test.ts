/**
 * The receiver recognises a retried message (PROTOCOL §7, TEXT_ID): the same message id sent
 * again on a new connection, and again after the receiver restarted, gets its receipt (so the
 * sender stops retrying) but is neither shown nor logged a second time. Two messengers (two
 * homes) over real TCP on 127.0.0.1; the ids already logged are derived from the log.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KSF_TEST } from '../../src/crypto/opaque.js';
import { fromHex, utf8 } from '../../src/crypto/bytes.js';
import { SILENT, type JsonEvent } from '../../src/app/host.js';
import { Messenger } from '../../src/app/messenger.js';
import { SeenIds, SeenWindow } from '../../src/app/seen-ids.js';
import { logShow } from '../../src/log/commands.js';
import { userDir } from '../../src/identity/home.js';
import type { Feed } from '../../src/app/listening.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function recordingFeed(into: JsonEvent[]): (user: string) => Feed {
  return () => ({ status: () => undefined, warn: () => undefined, line: (_t, e) => into.push(e) });
}

describe('receiver dedupe of TEXT_ID retries', () => {
  it('the same message id on a second connection and after a restart: receipted each time, shown and logged once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'securechat-dedupe-'));
    dirs.push(dir);
    const users = join(dir, 'users.json');
    await writeFile(users, JSON.stringify([{ username: 'alice', ip: '127.0.0.1', port: 1 }, { username: 'bob', password: 'pw-bob', ip: '127.0.0.1', port: 2 }]));
    const homeA = join(dir, 'a');
    const homeB = join(dir, 'b');
    const shown: JsonEvent[] = [];
    const observed: string[] = []; // what an in-process watcher (the page) is told: the same, once each
    const watch = (m: Messenger): void => void m.observe({ received: (_user, _conv, msg) => observed.push(msg.text) });
    let bob = new Messenger({ home: homeB, ksf: KSF_TEST, feed: recordingFeed(shown) });
    watch(bob);
    const alice = new Messenger({ home: homeA, ksf: KSF_TEST });
    try {
      let l = await bob.listen('bob', { host: '127.0.0.1', port: 0, usersPath: users }, SILENT, { established: false });
      let target = { account: 'bob', host: '127.0.0.1', port: l.port };
      const mid = fromHex('0123456789abcdef0123456789abcdef');
      const sendOnce = async (password?: string): Promise<void> => {
        await alice.hold({ as: 'alice', target, ...(password === undefined ? {} : { password: utf8(password) }) }, SILENT, { established: false });
        try {
          await alice.say('alice', 'bob', 'only once, please', SILENT, { established: false }, mid);
        } finally {
          await alice.release('alice', target);
        }
      };
      await sendOnce('pw-bob'); // first login: the password (they become contacts)
      await sendOnce(); // a retry on a new connection (reconnect by keys)
      await bob.unlisten('bob');
      await bob.close();
      // bob restarts: the record of what was logged comes from the log
      bob = new Messenger({ home: homeB, ksf: KSF_TEST, feed: recordingFeed(shown) });
      watch(bob);
      l = await bob.listen('bob', { host: '127.0.0.1', port: 0, usersPath: users }, SILENT, { established: false });
      target = { account: 'bob', host: '127.0.0.1', port: l.port };
      await sendOnce();
      // a new message id is a new message
      await alice.hold({ as: 'alice', target }, SILENT, { established: false });
      await alice.say('alice', 'bob', 'a second message', SILENT, { established: false }, fromHex('ff'.repeat(16)));
      await alice.release('alice', target);
      await bob.unlisten('bob');
    } finally {
      await alice.close();
      await bob.close();
    }
    assert.deepEqual(shown.map((e) => e['text']), ['only once, please', 'a second message']);
    assert.deepEqual(observed, ['only once, please', 'a second message'], 'the page is told of a retry once, as the terminal is');
    const log = await logShow({ userDir: userDir(homeB, 'bob'), json: true });
    const received = log.lines.map((x) => JSON.parse(x) as Record<string, unknown>).filter((e) => e['kind'] === 'message-received');
    assert.deepEqual(received.map((e) => [e['text'], e['id']]), [['only once, please', '0123456789abcdef0123456789abcdef'], ['a second message', 'ff'.repeat(16)]]);
  });

  it('SeenIds: a window per peer, bounded; duplicates at once on two conversations are stored once; a failed store is not remembered', async () => {
    const loads: string[] = [];
    const seen = new SeenIds(async (peer) => {
      loads.push(peer);
      return peer === 'bob' ? ['a'.repeat(32)] : [];
    }, 3, 2);
    const stored: string[] = [];
    const store = (id: string) => async (): Promise<void> => {
      await new Promise((r) => setImmediate(r));
      stored.push(id);
    };
    assert.equal(await seen.admit('bob', 'a'.repeat(32), store('x')), false, 'already in the log');
    const [p1, p2] = await Promise.all([seen.admit('bob', 'b'.repeat(32), store('b1')), seen.admit('bob', 'b'.repeat(32), store('b2'))]);
    assert.deepEqual([p1, p2], [true, false]);
    assert.deepEqual(stored, ['b1']);
    await assert.rejects(seen.admit('bob', 'c'.repeat(32), () => Promise.reject(new Error('disk full'))));
    assert.equal(await seen.admit('bob', 'c'.repeat(32), store('c')), true, 'retried after the failed store');
    await seen.admit('carol', 'd'.repeat(32), store('d'));
    await seen.admit('dave', 'e'.repeat(32), store('e')); // bob's window is forgotten (2 peers at most)...
    assert.equal(seen.peers, 2);
    await seen.admit('bob', 'f'.repeat(32), store('f')); // ...and read again from the "log"
    assert.deepEqual(loads, ['bob', 'carol', 'dave', 'bob']);
    const w = new SeenWindow(2, ['1', '2', '3']);
    assert.deepEqual([w.has('1'), w.has('2'), w.has('3'), w.size], [false, true, true, 2]);
  });
});
