/**
 * Ordering through the relay (docs/GROUPS.md §12): the relay's per-group log is the MLS
 * Delivery Service. Against a real relay (in-process, memory store, over loopback): two
 * members committing at once never fork the group — exactly one append wins, the other
 * rebases, and everyone ends at the same epoch, tree hash and transcript hash. Against a
 * hostile log (a relay that tampers, reorders, replays, drops, or accepts two commits for one
 * epoch): the exact code each member refuses with, and that the refusing member's state did
 * not move.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ed25519PublicFromSeed } from '../../src/crypto/ecc.js';
import { systemRandom } from '../../src/crypto/random.js';
import { toHex } from '../../src/crypto/bytes.js';
import * as G from '../../src/group/index.js';
import type { GroupLogPort, LogEntry, LogMember } from '../../src/group/index.js';
import { MemoryStore } from '../../src/relay/memory-store.js';
import type { RelayClient, GroupLog } from '../../src/relay/client.js';
import { relayLogPort } from '../../src/app/groups-relay-log.js';
import { startRelay, type TestRelay } from '../relay/_relay.js';

const noPins: G.PinLookup = () => undefined;
const SEQ = { mode: 'sequenced' } as const;
let suite: G.MlsSuite;

function self(name: string): G.GroupSelf {
  const identitySeed = systemRandom(32);
  return { name, identitySeed, identityKey: ed25519PublicFromSeed(identitySeed) };
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);
const fingerprint = (m: LogMember): string => `${m.group.mls.epoch}/${toHex(m.group.mls.treeHash)}/${toHex(m.group.mls.confirmedTranscriptHash)}`;
const names = (m: LogMember): string[] => G.members(m.group, noPins).map((x) => x.name).sort();

/** An honest log in memory with the relay's append rule; `view` lets a test make a hostile reader of it. */
function memLog(): { entries: LogEntry[]; port: GroupLogPort; view(f: (all: LogEntry[]) => LogEntry[]): GroupLogPort } {
  const entries: LogEntry[] = [];
  const append: GroupLogPort['append'] = async (expectAfter, data) => {
    const last = entries.at(-1)?.seq ?? 0;
    if (last !== expectAfter) return { ok: false, last };
    entries.push({ seq: last + 1, data: data.slice() });
    return { ok: true, position: last + 1 };
  };
  const reader = (f: (all: LogEntry[]) => LogEntry[]): GroupLogPort['read'] => async (after, max) => f(entries.slice()).filter((e) => e.seq > after).slice(0, max);
  return { entries, port: { append, read: reader((x) => x) }, view: (f) => ({ append, read: reader(f) }) };
}

/** Makes the first append of each port wait until `n` ports are appending, so their commits are built for one epoch. */
function barrier(n: number): (p: GroupLogPort) => GroupLogPort {
  let waiting = 0;
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  return (p) => {
    let first = true;
    return {
      read: p.read,
      append: async (after, data) => {
        if (first) {
          first = false;
          if (++waiting === n) open();
          await gate;
        }
        return p.append(after, data);
      },
    };
  };
}

/** alice creates a sequenced group and adds `others` through the log; each joins from the log. */
async function group(port: GroupLogPort, people: string[]): Promise<Map<string, LogMember>> {
  const [first, ...others] = people.map(self);
  const out = new Map<string, LogMember>();
  const a0 = await G.createGroup({ suite, self: first!, groupId: systemRandom(32), pins: noPins, ordering: SEQ });
  const kps = await Promise.all(others.map((s) => G.newKeyPackage(suite, s)));
  const c = await G.commitVia({ group: a0, cursor: 0 }, port, { add: kps.map((k) => k.frame), remove: [] }, noPins);
  assert.ok(c.committed?.welcome);
  out.set(first!.name, c.member);
  for (const [i, s] of others.entries()) {
    out.set(s.name, await G.joinFromLog({ suite, self: s, welcome: c.committed.welcome, keyPackage: kps[i]!.keyPackage, pins: noPins }, c.committed.position));
  }
  return out;
}

async function syncAll(world: Map<string, LogMember>, port: GroupLogPort): Promise<void> {
  for (const [n, m] of world) {
    const s = await G.syncLog(m, port, noPins);
    assert.deepEqual(s.refused, [], `${n} refused nothing`);
    world.set(n, s.member);
  }
}

before(async () => {
  suite = await G.loadSuite(G.DEFAULT_GROUP_SUITE, systemRandom);
});

describe('groups ordered by the relay log (a real relay, memory store)', () => {
  let relay: TestRelay;
  let client: RelayClient;
  let log: GroupLog;
  before(async () => {
    relay = await startRelay(new MemoryStore());
    client = await relay.connect();
  });
  after(async () => {
    await client.close();
    await relay.stop();
  });

  it('two members adding at once: one append wins, the other rebases; nobody forks', async () => {
    log = await client.createLog();
    const port = relayLogPort(client, log);
    const world = await group(port, ['alice', 'bob', 'carol']);
    const dave = self('dave');
    const erin = self('erin');
    const [kd, ke] = await Promise.all([G.newKeyPackage(suite, dave), G.newKeyPackage(suite, erin)]);
    const gate = barrier(2);
    const [a, b] = await Promise.all([
      G.commitVia(world.get('alice')!, gate(port), { add: [kd.frame], remove: [] }, noPins),
      G.commitVia(world.get('bob')!, gate(port), { add: [ke.frame], remove: [] }, noPins),
    ]);
    assert.equal(a.conflicts + b.conflicts, 1, 'exactly one of the two appends lost, once');
    const loser = a.conflicts === 1 ? a : b;
    assert.ok(loser.events.some((e) => e.kind === 'commit' && e.rebase !== undefined), 'the loser saw the winner take its epoch and rebased');
    world.set('alice', a.member);
    world.set('bob', b.member);
    world.set('dave', await G.joinFromLog({ suite, self: dave, welcome: a.committed!.welcome!, keyPackage: kd.keyPackage, pins: noPins }, a.committed!.position));
    world.set('erin', await G.joinFromLog({ suite, self: erin, welcome: b.committed!.welcome!, keyPackage: ke.keyPackage, pins: noPins }, b.committed!.position));
    await syncAll(world, port);
    const fps = new Set([...world.values()].map(fingerprint));
    assert.equal(fps.size, 1, `one epoch, tree hash and transcript hash for all five: ${[...fps].join(' | ')}`);
    assert.equal([...world.values()][0]!.group.mls.epoch, 3n);
    for (const m of world.values()) assert.deepEqual(names(m), ['alice', 'bob', 'carol', 'dave', 'erin']);

    // Everyone's message reaches every other member once, in the log's one order.
    const got = new Map<string, string[]>([...world.keys()].map((n) => [n, []]));
    for (const n of [...world.keys()]) {
      const s = await G.sendVia(world.get(n)!, port, text(`hi from ${n}`), noPins);
      world.set(n, s.member);
    }
    for (const [n, m] of world) {
      const s = await G.syncLog(m, port, noPins);
      assert.deepEqual(s.refused, []);
      for (const e of s.events) if (e.kind === 'message') got.get(n)!.push(`${e.from.name}: ${str(e.plaintext)}`);
      world.set(n, s.member);
    }
    for (const [n, lines] of got) {
      const others = [...world.keys()].filter((x) => x !== n);
      const senders = lines.map((l) => l.split(':')[0]);
      // A member reads the messages sent after its own last append: each other sender at most once, none twice.
      assert.equal(new Set(senders).size, senders.length, `${n} got each message once: ${lines.join('; ')}`);
      for (const s of senders) assert.ok(others.includes(s!));
    }
    assert.equal(new Set([...world.values()].map(fingerprint)).size, 1);
  });

  it('a remove and an add at once, then both adding the same person: still one group', async () => {
    log = await client.createLog();
    const port = relayLogPort(client, log);
    const world = await group(port, ['alice', 'bob', 'carol']);
    const dave = self('dave');
    const kd = await G.newKeyPackage(suite, dave);
    const gate = barrier(2);
    const [a, b] = await Promise.all([
      G.commitVia(world.get('alice')!, gate(port), { add: [], remove: ['carol'] }, noPins),
      G.commitVia(world.get('bob')!, gate(port), { add: [kd.frame], remove: [] }, noPins),
    ]);
    assert.equal(a.conflicts + b.conflicts, 1);
    world.set('alice', a.member);
    world.set('bob', b.member);
    world.set('dave', await G.joinFromLog({ suite, self: dave, welcome: b.committed!.welcome!, keyPackage: kd.keyPackage, pins: noPins }, b.committed!.position));
    const c = await G.syncLog(world.get('carol')!, port, noPins);
    assert.ok(c.events.some((e) => e.kind === 'removed'), 'carol was told she was removed');
    world.delete('carol');
    await syncAll(world, port);
    assert.equal(new Set([...world.values()].map(fingerprint)).size, 1);
    for (const m of world.values()) assert.deepEqual(names(m), ['alice', 'bob', 'dave']);

    // alice and bob both add erin (two KeyPackages of hers): one commit adds her, the other finds nothing left to do.
    const erin = self('erin');
    const [k1, k2] = await Promise.all([G.newKeyPackage(suite, erin), G.newKeyPackage(suite, erin)]);
    const gate2 = barrier(2);
    const [x, y] = await Promise.all([
      G.commitVia(world.get('alice')!, gate2(port), { add: [k1.frame], remove: [] }, noPins),
      G.commitVia(world.get('bob')!, gate2(port), { add: [k2.frame], remove: [] }, noPins),
    ]);
    const winner = x.committed !== undefined ? x : y;
    const loser = x.committed !== undefined ? y : x;
    assert.equal(loser.committed, undefined, 'the loser had nothing left to commit');
    assert.ok(winner.committed);
    world.set('alice', x.member);
    world.set('bob', y.member);
    world.set('erin', await G.joinFromLog({ suite, self: erin, welcome: winner.committed.welcome!, keyPackage: (winner === x ? k1 : k2).keyPackage, pins: noPins }, winner.committed.position));
    await syncAll(world, port);
    assert.equal(new Set([...world.values()].map(fingerprint)).size, 1);
    for (const m of world.values()) assert.deepEqual(names(m), ['alice', 'bob', 'dave', 'erin']);
  });
});

describe('a hostile relay log: each member refuses with the exact code and does not move', () => {
  it('a tampered commit is GROUP_AUTH_FAILED; a replayed entry GROUP_REPLAY; positions going back UNEXPECTED_MESSAGE', async () => {
    const l = memLog();
    const world = await group(l.port, ['alice', 'bob', 'carol']);
    const c = await G.commitVia(world.get('alice')!, l.port, { add: [], remove: [] }, noPins);
    const pos = c.committed!.position;
    const tampered = l.view((all) => all.map((e) => (e.seq === pos ? { seq: e.seq, data: flipLast(e.data) } : e)));
    const carol = world.get('carol')!;
    const t = await G.syncLog(carol, tampered, noPins);
    assert.deepEqual(t.refused, [{ seq: pos, code: 'GROUP_AUTH_FAILED' }]);
    assert.equal(t.member.group.mls.epoch, carol.group.mls.epoch, 'the tampered commit moved nothing');

    const m = await G.sendVia(c.member, l.port, text('once'), noPins);
    const replayed = l.view((all) => [...all, { seq: all.length + 1, data: all[m.position - 1]!.data }]);
    const b = await G.syncLog(world.get('bob')!, replayed, noPins);
    assert.deepEqual(b.refused, [{ seq: m.position + 1, code: 'GROUP_REPLAY' }]);
    assert.equal(b.events.filter((e) => e.kind === 'message').length, 1, 'the message was shown once');

    const backwards: GroupLogPort = { append: l.port.append, read: async () => [{ seq: 1, data: l.entries[0]!.data }] };
    await assert.rejects(G.syncLog(world.get('bob')!, backwards, noPins), { code: 'UNEXPECTED_MESSAGE' });
  });

  it('commits reordered or dropped are GROUP_WRONG_EPOCH, and the member stays at its epoch', async () => {
    const l = memLog();
    const world = await group(l.port, ['alice', 'bob', 'carol']);
    const c1 = await G.commitVia(world.get('alice')!, l.port, { add: [], remove: [] }, noPins);
    const c2 = await G.commitVia(world.get('bob')!, l.port, { add: [], remove: [] }, noPins);
    const [p1, p2] = [c1.committed!.position, c2.committed!.position];
    const carol = world.get('carol')!;
    const e0 = carol.group.mls.epoch;
    const swapped = l.view((all) => all.map((e) => (e.seq === p1 ? { seq: p1, data: all[p2 - 1]!.data } : e.seq === p2 ? { seq: p2, data: all[p1 - 1]!.data } : e)));
    const s = await G.syncLog(carol, swapped, noPins);
    assert.deepEqual(s.refused, [{ seq: p1, code: 'GROUP_WRONG_EPOCH' }], 'the later commit, first, is for an epoch carol is not at');
    assert.equal(s.member.group.mls.epoch, e0 + 1n, 'the earlier one then applies; carol is behind, not forked');

    const dropped = l.view((all) => all.filter((e) => e.seq !== p1));
    const d = await G.syncLog(carol, dropped, noPins);
    assert.deepEqual(d.refused, [{ seq: p2, code: 'GROUP_WRONG_EPOCH' }]);
    assert.equal(d.member.group.mls.epoch, e0);
  });

  it('a relay that accepts two commits for one epoch: each committer refuses the other with GROUP_WRONG_EPOCH (the fork shows)', async () => {
    const l = memLog();
    const world = await group(l.port, ['alice', 'bob', 'carol']);
    // The lying relay: every append succeeds.
    const lying: GroupLogPort = {
      read: l.port.read,
      append: async (_after, data) => {
        l.entries.push({ seq: l.entries.length + 1, data: data.slice() });
        return { ok: true, position: l.entries.length };
      },
    };
    const gate = barrier(2);
    const [a, b] = await Promise.all([
      G.commitVia(world.get('alice')!, gate(lying), { add: [], remove: [] }, noPins),
      G.commitVia(world.get('bob')!, gate(lying), { add: [], remove: [] }, noPins),
    ]);
    // Each applied its own at once (the relay said yes); the other's commit, read later, is for the epoch before.
    const sa = await G.syncLog({ group: a.member.group, cursor: a.committed!.position - 1 }, l.port, noPins);
    const sb = await G.syncLog({ group: b.member.group, cursor: b.committed!.position - 1 }, l.port, noPins);
    const codes = [...sa.refused, ...sb.refused].map((r) => r.code);
    assert.ok(codes.includes('GROUP_WRONG_EPOCH'), `the fork is refused, not joined: ${codes.join(', ')}`);
    assert.ok(codes.every((x) => x === 'GROUP_WRONG_EPOCH' || x === 'GROUP_REPLAY'), codes.join(', '));
  });
});

function flipLast(b: Uint8Array): Uint8Array {
  const c = b.slice();
  c[c.length - 1]! ^= 0x01;
  return c;
}
