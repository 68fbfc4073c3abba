/**
 * Group message cost at 50 members (docs/GROUPS.md §10):
 * - encrypt + decrypt of one 100-byte application message (one sender, one receiver), suite 83
 *   and suite 1, beside a 1:1 record of the same size sealed and opened (Session, no I/O);
 * - end-to-end latency through the relay as Delivery Service (docs/GROUPS.md §12): from the
 *   sender's `sendVia` (encrypt, LOG_APPEND, the relay's answer) until every one of the 49
 *   other members has read it (LOG_READ) and decrypted it; reference: the same with one
 *   receiver (a 2-member group) through the same relay in the same run. The relay runs in this
 *   process on loopback over the memory store (the store's own cost is bench/relay.ts's), and
 *   the 49 receivers share one relay connection and the process's two cores.
 *
 * What bounds it: an application message is one AEAD under a key from the sender's hash
 * ratchet plus one Ed25519 signature (verified by each receiver); ts-mls runs every hash, HKDF
 * and AEAD step as an asynchronous WebCrypto call, which is why it costs tens of times a 1:1
 * record (one synchronous OpenSSL AES-GCM call). End to end, the receivers' reads and
 * decryptions queue on one connection and one event loop: the latency is about 49 × (one
 * LOG_READ's signature and record work + one decrypt), i.e. it grows linearly with the group
 * in one process; members on their own machines would read in parallel.
 */
import { systemRandom } from '../src/crypto/random.js';
import { receive, send, type Group } from '../src/group/group.js';
import { sendVia, syncLog, type LogMember } from '../src/group/log-member.js';
import type { GroupSuiteId } from '../src/group/mls.js';
import { MemoryStore } from '../src/relay/memory-store.js';
import { RelayClient } from '../src/relay/client.js';
import { RelayEngine } from '../src/relay/engine.js';
import { keyPairFrom } from '../src/relay/noise-nk.js';
import { RelayServer } from '../src/relay/server.js';
import { relayLogPort } from '../src/app/groups-relay-log.js';
import { SuiteId } from '../src/crypto/aead.js';
import { benchRecords } from './records-core.js';
import { buildGroup, noPins } from './groups-setup.js';
import { summarize } from './stats.js';
import type { Figure } from './report.js';

const SIZE = 100;

async function encryptDecrypt(id: GroupSuiteId, n: number, count: number): Promise<number[]> {
  const built = await buildGroup(id, n, 1);
  let a: Group = built.creator;
  let b: Group = built.joined[0]!;
  const data = systemRandom(SIZE);
  const out: number[] = [];
  for (let i = 0; i < count + 5; i++) {
    const t0 = performance.now();
    const s = await send(a, data, noPins);
    a = s.group;
    const r = await receive(b, s.frame, noPins);
    b = r.group;
    if (r.event.kind !== 'message') throw new Error('bench: not a message');
    if (i >= 5) out.push((performance.now() - t0) * 1000); // µs; the first 5 warm up
  }
  return out;
}

async function endToEnd(n: number, count: number): Promise<number[]> {
  const key = keyPairFrom(systemRandom(32));
  const engine = new RelayEngine({ store: new MemoryStore(), random: systemRandom, now: Date.now });
  const server = await RelayServer.listen({ port: 0, key, engine, random: systemRandom, now: Date.now });
  const client = await RelayClient.connect({ host: '127.0.0.1', port: server.port, relayKey: key.pub });
  try {
    const port = relayLogPort(client, await client.createLog());
    const built = await buildGroup(83, n, n - 1, { mode: 'sequenced' });
    let sender: LogMember = { group: built.creator, cursor: 0 };
    const receivers: LogMember[] = built.joined.map((group) => ({ group, cursor: 0 }));
    const data = systemRandom(SIZE);
    const out: number[] = [];
    for (let i = 0; i < count + 1; i++) {
      const t0 = performance.now();
      sender = (await sendVia(sender, port, data, noPins)).member;
      const got = await Promise.all(receivers.map((m) => syncLog(m, port, noPins)));
      const t1 = performance.now();
      got.forEach((g, j) => {
        if (g.events.filter((e) => e.kind === 'message').length !== 1) throw new Error('bench: a receiver did not get the message once');
        receivers[j] = g.member;
      });
      if (i >= 1) out.push(t1 - t0);
    }
    return out;
  } finally {
    await client.close();
    await server.close();
  }
}

export async function groupMessageFigures(quick: boolean): Promise<Figure[]> {
  const n = 50;
  const count = quick ? 20 : 200;
  const x83 = summarize(await encryptDecrypt(83, n, count));
  const x1 = summarize(await encryptDecrypt(1, n, count));
  const rec = benchRecords(SuiteId.AES_256_GCM, SIZE, count * 10);
  const recordUs = summarize([(rec.seconds / rec.count) * 1e6]);
  const e2eRuns = quick ? 3 : 10;
  const e2e = summarize(await endToEnd(n, e2eRuns));
  const e2eOne = summarize(await endToEnd(2, e2eRuns));
  return [
    {
      section: 'groups',
      name: `message encrypt + decrypt, ${n} members, suite 83`,
      unit: 'µs',
      value: x83,
      over: `${count} messages of ${SIZE} B`,
      higherIsBetter: false,
      references: [
        { name: 'suite 1', value: x1 },
        { name: '1:1 record seal + open (AES-256-GCM)', value: recordUs },
      ],
      note: 'one sender, one receiver, no I/O; the 1:1 figure is the mean over its run',
    },
    {
      section: 'groups',
      name: `end-to-end latency, ${n} members, through the relay log`,
      unit: 'ms',
      value: e2e,
      over: `${e2eRuns} messages of ${SIZE} B`,
      higherIsBetter: false,
      references: [{ name: '2 members (one receiver)', value: e2eOne }],
      note: `sendVia until all ${n - 1} receivers decrypted; relay in-process, memory store, one shared connection, suite 83`,
    },
  ];
}
