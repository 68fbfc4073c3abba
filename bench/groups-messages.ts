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
import { sendVia, syncLog, type GroupLogPort, type LogMember } from '../src/group/log-member.js';
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

interface Pair {
  a: Group;
  b: Group;
  us: number[];
}

async function pair(id: GroupSuiteId, n: number): Promise<Pair> {
  const built = await buildGroup(id, n, 1);
  return { a: built.creator, b: built.joined[0]!, us: [] };
}

/** One message from `a` to `b`, timed in µs (encrypt + decrypt). */
async function oneMessage(p: Pair, data: Uint8Array, keep: boolean): Promise<void> {
  const t0 = performance.now();
  const s = await send(p.a, data, noPins);
  p.a = s.group;
  const r = await receive(p.b, s.frame, noPins);
  p.b = r.group;
  if (r.event.kind !== 'message') throw new Error('bench: not a message');
  if (keep) p.us.push((performance.now() - t0) * 1000);
}

/** Suite 83, suite 1 and a 1:1 record (per message, batches of 20), in turn, so load falls on all three alike. */
async function encryptDecrypt(n: number, count: number): Promise<{ x83: number[]; x1: number[]; record: number[] }> {
  const p83 = await pair(83, n);
  const p1 = await pair(1, n);
  const data = systemRandom(SIZE);
  const record: number[] = [];
  for (let i = 0; i < count + 5; i++) {
    await oneMessage(p83, data, i >= 5);
    await oneMessage(p1, data, i >= 5);
    const rec = benchRecords(SuiteId.AES_256_GCM, SIZE, 20);
    if (i >= 5) record.push((rec.seconds / rec.count) * 1e6);
  }
  return { x83: p83.us, x1: p1.us, record };
}

interface Ring {
  readonly port: GroupLogPort;
  sender: LogMember;
  readonly receivers: LogMember[];
  readonly ms: number[];
}

async function ring(client: RelayClient, n: number): Promise<Ring> {
  const port = relayLogPort(client, await client.createLog());
  const built = await buildGroup(83, n, n - 1, { mode: 'sequenced' });
  return { port, sender: { group: built.creator, cursor: 0 }, receivers: built.joined.map((group) => ({ group, cursor: 0 })), ms: [] };
}

/** One message from the sender until every receiver has read and decrypted it. */
async function oneTrip(r: Ring, data: Uint8Array, keep: boolean): Promise<void> {
  const t0 = performance.now();
  r.sender = (await sendVia(r.sender, r.port, data, noPins)).member;
  const got = await Promise.all(r.receivers.map((m) => syncLog(m, r.port, noPins)));
  const t1 = performance.now();
  got.forEach((g, j) => {
    if (g.events.filter((e) => e.kind === 'message').length !== 1) throw new Error('bench: a receiver did not get the message once');
    r.receivers[j] = g.member;
  });
  if (keep) r.ms.push(t1 - t0);
}

/** n members and the 2-member reference, message by message in turn, through one in-process relay. */
async function endToEnd(n: number, count: number): Promise<{ big: number[]; two: number[] }> {
  const key = keyPairFrom(systemRandom(32));
  const engine = new RelayEngine({ store: new MemoryStore(), random: systemRandom, now: Date.now });
  const server = await RelayServer.listen({ port: 0, key, engine, random: systemRandom, now: Date.now });
  const client = await RelayClient.connect({ host: '127.0.0.1', port: server.port, relayKey: key.pub });
  try {
    const big = await ring(client, n);
    const two = await ring(client, 2);
    const data = systemRandom(SIZE);
    for (let i = 0; i < count + 1; i++) {
      await oneTrip(big, data, i >= 1);
      await oneTrip(two, data, i >= 1);
    }
    return { big: big.ms, two: two.ms };
  } finally {
    await client.close();
    await server.close();
  }
}

export async function groupMessageFigures(quick: boolean): Promise<Figure[]> {
  const n = 50;
  const count = quick ? 20 : 200;
  const m = await encryptDecrypt(n, count);
  const [x83, x1, recordUs] = [summarize(m.x83), summarize(m.x1), summarize(m.record)];
  const e2eRuns = quick ? 3 : 10;
  const trips = await endToEnd(n, e2eRuns);
  const [e2e, e2eOne] = [summarize(trips.big), summarize(trips.two)];
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
      note: 'one sender, one receiver, no I/O; the three measured in turn; the 1:1 figure per message over batches of 20',
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
