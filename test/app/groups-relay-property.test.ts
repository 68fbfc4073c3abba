/**
 * Property (docs/GROUPS.md §12): whatever order the log's answers arrive in, members that
 * commit and send at the same time through one log never fork. fast-check's scheduler
 * decides the order in which every append and read of three members resolves; then everyone
 * catches up and must hold one epoch, tree hash and transcript hash, and every message must
 * have reached every other member exactly once. Suite 1 (the ordering does not depend on the
 * suite; suite 83's cost would only slow the runs down).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ed25519PublicFromSeed } from '../../src/crypto/ecc.js';
import { systemRandom } from '../../src/crypto/random.js';
import { toHex } from '../../src/crypto/bytes.js';
import * as G from '../../src/group/index.js';
import type { GroupLogPort, LogEntry, LogMember } from '../../src/group/index.js';

const noPins: G.PinLookup = () => undefined;

function self(name: string): G.GroupSelf {
  const identitySeed = systemRandom(32);
  return { name, identitySeed, identityKey: ed25519PublicFromSeed(identitySeed) };
}

function memLog(): GroupLogPort {
  const entries: LogEntry[] = [];
  return {
    append: async (expectAfter, data) => {
      const last = entries.at(-1)?.seq ?? 0;
      if (last !== expectAfter) return { ok: false, last };
      entries.push({ seq: last + 1, data: data.slice() });
      return { ok: true, position: last + 1 };
    },
    read: async (after, max) => entries.filter((e) => e.seq > after).slice(0, max),
  };
}

const fp = (m: LogMember): string => `${m.group.mls.epoch}/${toHex(m.group.mls.treeHash)}/${toHex(m.group.mls.confirmedTranscriptHash)}`;

test('concurrent commits and messages through one log, answered in any order, never fork the group', { timeout: 10 * 60_000 }, async () => {
  const suite = await G.loadSuite(1, systemRandom);
  const action = fc.constantFrom('commit', 'send', 'both');
  await fc.assert(
    fc.asyncProperty(fc.scheduler(), fc.tuple(action, action, action), async (s, acts) => {
      const log = memLog();
      const [a, b, c] = ['alice', 'bob', 'carol'].map(self) as [G.GroupSelf, G.GroupSelf, G.GroupSelf];
      const g0 = await G.createGroup({ suite, self: a, groupId: systemRandom(32), pins: noPins, ordering: { mode: 'sequenced' } });
      const kps = await Promise.all([b, c].map((x) => G.newKeyPackage(suite, x)));
      const made = await G.commitVia({ group: g0, cursor: 0 }, log, { add: kps.map((k) => k.frame), remove: [] }, noPins);
      const w = made.committed!;
      const world: LogMember[] = [made.member];
      for (const [i, x] of [b, c].entries()) world.push(await G.joinFromLog({ suite, self: x, welcome: w.welcome!, keyPackage: kps[i]!.keyPackage, pins: noPins }, w.position));
      const scheduled: GroupLogPort = { append: s.scheduleFunction(log.append), read: s.scheduleFunction(log.read) };
      const got: string[][] = [[], [], []];
      const note = (i: number, evs: readonly G.GroupEvent[]): void => {
        for (const e of evs) if (e.kind === 'message') got[i]!.push(new TextDecoder().decode(e.plaintext));
      };
      const sent: string[] = [];
      const run = async (i: number): Promise<void> => {
        const act = acts[i]!;
        if (act === 'commit' || act === 'both') {
          const r = await G.commitVia(world[i]!, scheduled, { add: [], remove: [] }, noPins);
          note(i, r.events);
          world[i] = r.member;
        }
        if (act === 'send' || act === 'both') {
          const text = `m${i}`;
          const r = await G.sendVia(world[i]!, scheduled, new TextEncoder().encode(text), noPins);
          sent.push(text);
          note(i, r.events);
          world[i] = r.member;
        }
      };
      await s.waitFor(Promise.all([0, 1, 2].map(run)));
      for (const i of [0, 1, 2]) {
        const r = await G.syncLog(world[i]!, log, noPins);
        assert.deepEqual(r.refused, [], `member ${i} refused nothing`);
        note(i, r.events);
        world[i] = r.member;
      }
      assert.equal(new Set(world.map(fp)).size, 1, `one group: ${world.map(fp).join(' | ')}`);
      for (const i of [0, 1, 2]) {
        const want = sent.filter((t) => t !== `m${i}`).sort();
        assert.deepEqual([...got[i]!].sort(), want, `member ${i} got every other member's message once`);
      }
    }),
    { numRuns: 25 },
  );
});
