/**
 * Finding 4 of issue 10: one authenticated peer must not grow the listener's memory without
 * limit. The listener's message handler (the log's fsync, here a gate the test holds shut)
 * is slower than the peer; the inbox is capped and the socket paused, and once the handler
 * catches up every message is delivered exactly once, in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listen, type Listener } from '../../src/chat/listener.js';
import { connect } from '../../src/chat/connect.js';
import type { Conversation } from '../../src/chat/conversation.js';
import { MAX_INBOX_BYTES, MAX_INBOX_MESSAGES } from '../../src/limits.js';
import { party } from './_fixture.js';
import { waitUntil, within } from '../_util/wait.js';

/** Frames a socket may deliver in one chunk after the pause (64 KiB of ~1 KiB records). */
const CHUNK_SLACK = 70;
const TEXT = 'x'.repeat(1_000);

class Gate {
  #open = false;
  #waiters: (() => void)[] = [];
  wait(): Promise<void> {
    return this.#open ? Promise.resolve() : new Promise((r) => this.#waiters.push(r));
  }
  open(): void {
    this.#open = true;
    for (const w of this.#waiters.splice(0)) w();
  }
}

async function setup(inboxBudget?: number): Promise<{ l: Listener; incoming: Conversation[]; got: Map<Conversation, string[]>; gate: Gate; dial: () => Promise<Conversation> }> {
  const alice = await party('alice');
  const gate = new Gate();
  const incoming: Conversation[] = [];
  const got = new Map<Conversation, string[]>();
  const l = await listen({
    port: 0, account: alice.account, self: alice.self, policy: alice.policy, ...(inboxBudget === undefined ? {} : { inboxBudget }),
    onConversation: (c) => {
      incoming.push(c);
      const mine: string[] = [];
      got.set(c, mine);
      c.on('message', async (m) => {
        await gate.wait();
        mine.push(m.text);
      });
    },
  });
  let n = 0;
  const dial = async (): Promise<Conversation> => {
    const bob = await party(`bob${n++}`);
    return connect({ host: '127.0.0.1', port: l.port, account: 'alice', password: alice.password, self: bob.self, policy: bob.policy });
  };
  return { l, incoming, got, gate, dial };
}

test('a peer sending 3,000 messages faster than they are logged: the inbox stays capped, the socket pauses, nothing is lost', { timeout: 180_000 }, async () => {
  const { l, incoming, got, gate, dial } = await setup();
  try {
    const conv = await dial();
    const ids: number[] = [];
    for (let i = 0; i < 3_000; i++) ids.push(conv.send(`${i} ${TEXT}`));
    await waitUntil(() => incoming.length === 1, 'the listener to accept the conversation');
    const side = incoming[0];
    assert.ok(side !== undefined);
    await waitUntil(() => side.inboxStats.paused, 'the listener to pause the socket');
    const s = side.inboxStats;
    assert.ok(s.peakMessages <= MAX_INBOX_MESSAGES + CHUNK_SLACK, `peak ${s.peakMessages} messages queued`);
    assert.ok(s.peakBytes <= MAX_INBOX_BYTES + CHUNK_SLACK * 1_100, `peak ${s.peakBytes} bytes queued`);
    gate.open();
    await within(Promise.all(ids.map((id) => conv.waitReceipt(id))), 'every receipt', 150_000);
    const mine = got.get(side) ?? [];
    assert.equal(mine.length, 3_000);
    assert.ok(mine.every((t, i) => t === `${i} ${TEXT}`), 'every message exactly once, in order');
    assert.ok(side.inboxStats.pauses >= 1);
    assert.ok(side.inboxStats.peakMessages <= MAX_INBOX_MESSAGES + CHUNK_SLACK, `peak ${side.inboxStats.peakMessages}`);
    await conv.close();
  } finally {
    await l.close();
  }
});

test('the listener-wide budget pauses every conversation once their inboxes add up past it', { timeout: 180_000 }, async () => {
  const budget = 100 * 1_024;
  const { l, incoming, gate, dial } = await setup(budget);
  try {
    const a = await dial();
    const b = await dial();
    const ids = [a, b].map((c) => Array.from({ length: 200 }, (_, i) => c.send(`${i} ${TEXT}`)));
    await waitUntil(() => incoming.length === 2 && incoming.every((c) => c.inboxStats.paused), 'both conversations to pause');
    const total = incoming.reduce((n, c) => n + c.inboxStats.peakBytes, 0);
    assert.ok(total <= budget + 2 * CHUNK_SLACK * 1_100, `queued ${total} bytes across the listener (budget ${budget})`);
    assert.ok(incoming.every((c) => c.inboxStats.peakMessages < MAX_INBOX_MESSAGES), 'paused by the budget, not by their own caps');
    gate.open();
    await within(Promise.all([a, b].flatMap((c, k) => (ids[k] ?? []).map((id) => c.waitReceipt(id)))), 'every receipt', 150_000);
    await a.close();
    await b.close();
  } finally {
    await l.close();
  }
});

test('a shutdown abandons what is still queued after the grace: close ends, the abandoned messages get no receipt', { timeout: 60_000 }, async () => {
  const { l, incoming, got, dial } = await setup();
  try {
    const conv = await dial();
    const ids = Array.from({ length: 20 }, (_, i) => conv.send(`m${i}`));
    await waitUntil(() => incoming[0]?.inboxStats.queuedMessages === 20, 'the listener to queue the 20 messages');
    const side = incoming[0];
    assert.ok(side !== undefined);
    const receipts = ids.map((id) => conv.waitReceipt(id).then(() => 'receipt', () => 'none'));
    await within(side.close(50), 'the listener side to close with a 50 ms grace');
    assert.deepEqual(await within(Promise.all(receipts), 'the sender to learn the end'), Array<string>(20).fill('none'));
    assert.deepEqual(got.get(side), []);
  } finally {
    await l.close();
  }
});
