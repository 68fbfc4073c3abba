/**
 * The listener under attack (issue 10, "Load test that must pass"), all on 127.0.0.x, every
 * attacker in its own process, the listener in its own process (so its RSS is its own):
 *
 * - 127.0.0.1 holds 1,000 connections (500 silent, 500 dripping one byte every 5 s), each
 *   renewed when the listener closes it (every connection of the test itself comes from another
 *   127.0.0.x: bob from 127.0.0.8);
 * - 127.0.0.2–5 hammer wrong passwords, one login after another from each;
 * - 127.0.0.6 sends garbage frames (20 connections, renewed);
 *
 * and throughout: bob's conversation (established before) delivers every message exactly once
 * and in order; 20 new logins, each from its own source never seen before (127.0.0.10–29:
 * strangers, charged to the account's bucket the hammer spends), keep succeeding (no retry allowed: each must be
 * admitted at once); dave, who logged in earlier from 127.0.0.7 (so is alice's contact), reconnects by keys; the listener's
 * peak RSS stays under RSS_BOUND. Behaviour only: the figures (success share, latency, RSS,
 * guesses the hammer got evaluated, the stated budget) are printed as one diagnostic line
 * starting "LOAD FIGURES"; the only bounds asserted are on counts and memory, and the waits
 * are bounded safety nets with messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../../src/chat/connect.js';
import { reconnect } from '../../src/chat/reconnect.js';
import { FileContactBook } from '../../src/app/contact-book.js';
import type { Conversation } from '../../src/chat/conversation.js';
import type { ServerStats } from '../../src/transport/server.js';
import { guessBudgetPerDay } from '../../src/transport/limiter.js';
import { ACCOUNT_GUESS_BURST, MAX_FAILURES_PER_ADDRESS } from '../../src/limits.js';
import { party } from '../chat/_fixture.js';
import { attacker, type Attacker } from './_attackers.js';
import { waitUntilAsync, within } from '../_util/wait.js';

const MiB = 1024 * 1024;
/** The stated bound on the listener's resident memory during the attack. */
const RSS_BOUND = 256 * MiB;
const LOGINS = 20;
/** The address holding 1,000 connections (issue 10: "one address"), and bob's. */
const HOLDER = '127.0.0.1';
const BOB_FROM = '127.0.0.8';
/** The i-th legitimate new login's source: 127.0.0.10–29, none known to the listener before. */
const strangerFrom = (i: number): string => `127.0.0.${10 + i}`;
const PASSWORD = new TextEncoder().encode('alice-password');

interface Stats {
  readonly stats: ServerStats;
  readonly rss: number;
  readonly peakRss: number;
  readonly received: Record<string, string[]>;
}

function ask<T>(child: ChildProcess, type: string, answer: string): Promise<T> {
  return within(
    new Promise<T>((resolve) => {
      const on = (m: { type: string } & T): void => {
        if (m.type !== answer) return;
        child.off('message', on);
        resolve(m);
      };
      child.on('message', on);
      child.send({ type });
    }),
    `a ${answer} answer from ${String(child.spawnargs[1])}`,
    30_000,
  );
}

function start(file: string, args: string[], readyType: string): Promise<{ child: ChildProcess; ready: { type: string; port?: number } }> {
  const child = fork(fileURLToPath(new URL(file, import.meta.url)), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return within(
    new Promise((resolve, reject) => {
      child.on('message', (m: { type: string; port?: number }) => {
        if (m.type === readyType) resolve({ child, ready: m });
      });
      child.once('exit', (code) => reject(new Error(`${file} exited early (${String(code)})`)));
    }),
    `${file} to start`,
  );
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.send({ type: 'exit' });
  const t = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(t);
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

test('1,000 held connections, a wrong-password hammer from four addresses and garbage: the conversation, new logins and a pinned contact all get through; RSS bounded', { timeout: 480_000 }, async (t) => {
  let listener: ChildProcess | undefined;
  let hammer: ChildProcess | undefined;
  const attackers: Attacker[] = [];
  let conv: Conversation | undefined;
  try {
    const l = await start('./_listener-proc.js', [], 'ready');
    listener = l.child;
    const port = l.ready.port ?? 0;
    const lc = listener;
    const stats = (): Promise<Stats> => ask<Stats>(lc, 'stats', 'stats');
    const baseline = await stats();

    // Before the attack: bob's conversation, and dave's first login from 127.0.0.7.
    const bob = await party('bob');
    conv = await connect({ host: '127.0.0.1', port, localAddress: BOB_FROM, account: 'alice', password: PASSWORD, self: bob.self, policy: bob.policy });
    const dave = await party('dave');
    const daveBook = new FileContactBook(await mkdtemp(join(tmpdir(), 'securechat-load-dave-')));
    await (await connect({ host: '127.0.0.1', port, localAddress: '127.0.0.7', busyRetries: 0, account: 'alice', password: PASSWORD, self: dave.self, policy: dave.policy, contacts: daveBook })).close();
    const daveContact = await daveBook.outbound('alice');
    assert.ok(daveContact !== null, 'dave\'s password login made alice his contact');

    // The attack.
    attackers.push(await attacker(port, HOLDER, 'silent', 500, 1_000));
    attackers.push(await attacker(port, HOLDER, 'drip', 500, 1_000));
    attackers.push(await attacker(port, '127.0.0.6', 'garbage', 20, 200));
    hammer = (await start('./_hammer.js', [String(port), '127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'], 'started')).child;
    const h = hammer;
    const hammered = async (): Promise<Record<string, number>> => (await ask<{ outcomes: Record<string, number> }>(h, 'count', 'count')).outcomes;
    await waitUntilAsync(async () => (await stats()).stats.refusedBy.source > 0, `the listener to refuse ${HOLDER} past its per-source cap`);

    // During it: bob chats, new people log in, each from a source never seen before, dave reconnects.
    const sent: string[] = [];
    const chat = (async () => {
      for (let i = 0; i < 60; i++) {
        const text = `m${i}`;
        await within(conv.waitReceipt(conv.send(text)), `the receipt of ${text}`);
        sent.push(text);
      }
    })();
    const latencies: number[] = [];
    const outcomes: string[] = [];
    for (let i = 0; i < LOGINS; i++) {
      const who = await party(`carol${i}`);
      const t0 = performance.now();
      try {
        const c = await connect({ host: '127.0.0.1', port, localAddress: strangerFrom(i), busyRetries: 0, account: 'alice', password: PASSWORD, self: who.self, policy: who.policy });
        latencies.push(performance.now() - t0);
        outcomes.push('OK');
        await c.close();
      } catch (e) {
        outcomes.push((e as { code?: string }).code ?? 'unknown');
      }
    }
    // dave reconnects by keys (no password: never charged to the budget the hammer is spending).
    const daveAgain = await reconnect({ host: '127.0.0.1', port, localAddress: '127.0.0.7', contact: daveContact, contacts: daveBook, self: dave.self }).then(
      async (r) => {
        await within(r.conv.waitReceipt(r.conv.send('dave by keys')), 'the receipt of dave\'s message');
        await r.saved;
        await r.conv.close();
        return 'OK';
      },
      (e: unknown) => (e as { code?: string }).code ?? 'unknown',
    );
    await within(chat, 'bob\'s 60 messages', 300_000);
    await waitUntilAsync(async () => Object.values(await hammered()).reduce((a, b) => a + b, 0) >= 40, 'the hammer to have made at least 40 attempts');
    const hammerOutcomes = await hammered();
    const during = await stats();
    const held = await Promise.all(attackers.map((a) => a.count()));

    const ok = outcomes.filter((o) => o === 'OK').length;
    const guesses = hammerOutcomes['AUTH_FAILED'] ?? 0;
    const tried = Object.values(hammerOutcomes).reduce((a, b) => a + b, 0);
    const budget = guessBudgetPerDay();
    // One line the closing note can quote (diagnostic output: nothing here is asserted on time).
    t.diagnostic(
      `LOAD FIGURES: legit logins from 20 new sources (127.0.0.10-29) OK ${ok}/${LOGINS} (${((100 * ok) / LOGINS).toFixed(0)} %), latency p50 ${pct(latencies, 50).toFixed(0)} ms p95 ${pct(latencies, 95).toFixed(0)} ms; ` +
        `listener peak RSS ${(during.peakRss / MiB).toFixed(0)} MiB (bound ${RSS_BOUND / MiB} MiB, ${(baseline.rss / MiB).toFixed(0)} MiB before); ` +
        `guesses allowed ${guesses} of ${tried} wrong-password attempts from 4 addresses; budget ${budget.strangers} guesses per account per day (strangers), ${budget.perKnownSource} per known source; ` +
        `bob ${sent.length}/60 in order; dave by keys ${daveAgain}`,
    );
    t.diagnostic(`hammer outcomes: ${JSON.stringify(hammerOutcomes)}; attackers: ${JSON.stringify(held)}`);
    t.diagnostic(`listener stats: ${JSON.stringify(during.stats)}`);

    // What the policy promises strangers here: the hammer's 4 addresses may have at most 10
    // guesses each evaluated per 15 minutes, fewer than the account's bucket holds, so within
    // this test it cannot empty the bucket the strangers draw on (docs/SECURITY.md: one address
    // at its limit would take about 3.6 hours; then strangers are throttled, by design).
    assert.ok(4 * MAX_FAILURES_PER_ADDRESS < ACCOUNT_GUESS_BURST, 'the hammer cannot empty the strangers\' bucket within one failure window');
    assert.deepEqual(outcomes, Array<string>(LOGINS).fill('OK'), 'every new login, each from a source never seen before, succeeded without a retry');
    assert.equal(daveAgain, 'OK', 'the contact reconnected by keys during the attack');
    assert.deepEqual(during.received['dave'], ['dave by keys'], 'and his message arrived');
    assert.deepEqual(during.received['bob'], sent, 'every message of bob arrived exactly once, in order');
    assert.ok(during.peakRss < RSS_BOUND, `peak RSS ${(during.peakRss / MiB).toFixed(0)} MiB under ${RSS_BOUND / MiB} MiB`);
    assert.equal(hammerOutcomes['OK'], undefined, 'no wrong password got in');
    assert.ok((hammerOutcomes['AUTH_FAILED'] ?? 0) <= 4 * 10, `at most 10 guesses evaluated per hammering address (got ${hammerOutcomes['AUTH_FAILED'] ?? 0})`);
    assert.ok(held.reduce((n, c) => n + c.closedByServer, 0) >= 1_000, 'the listener kept closing the attackers\' connections');
    await conv.close();
  } finally {
    for (const a of attackers) await a.stop();
    await stop(hammer);
    if (conv?.isOpen === true) conv.destroy();
    await stop(listener);
  }
});
