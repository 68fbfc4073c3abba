/**
 * The listener under test for the load test, in its own process so that its RSS is its own
 * (not a helper file run by itself: it waits for its parent). Account "alice" with the cheap
 * test KSF and password "alice-password", default limits. Over IPC: sends {type:'ready', port}
 * then answers {type:'stats'} with the server's counters, RSS now and peak RSS (sampled every
 * 50 ms), and the texts received per peer name in order. Exits when told or when its parent
 * goes away, or after 10 minutes at the latest.
 */
import { listen } from '../../src/chat/listener.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { party } from '../chat/_fixture.js';
import { FileContactBook } from '../../src/app/contact-book.js';

if (process.send === undefined) process.exit(0);
const alice = await party('alice', 'alice-password');
const received = new Map<string, string[]>();
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);
sampler.unref();
const l = await listen({
  port: 0, account: alice.account, self: alice.self, policy: alice.policy,
  // alice's contacts (PROTOCOL §10): a password login makes the peer one; it may then reconnect by keys.
  contacts: new FileContactBook(mkdtempSync(join(tmpdir(), 'securechat-load-alice-'))),
  onConversation: (c) => {
    const name = c.info.peer.name;
    const list = received.get(name) ?? [];
    received.set(name, list);
    c.on('message', (m) => {
      list.push(m.text);
    });
  },
});
process.on('message', (m: { type: string }) => {
  if (m.type === 'stats') {
    const rss = process.memoryUsage().rss;
    peakRss = Math.max(peakRss, rss);
    process.send?.({ type: 'stats', stats: l.stats(), rss, peakRss, received: Object.fromEntries(received) });
  } else if (m.type === 'exit') {
    void l.close().finally(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(0), 10 * 60_000).unref();
process.send({ type: 'ready', port: l.port });
