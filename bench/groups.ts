/**
 * Group commit time (docs/GROUPS.md): for groups of 3, 50 and 200 members (3 and 50 with
 * --quick), an empty commit (a full path update, what every add/remove also costs) created by
 * the committer and processed by another member, on suite 83 (X-Wing) with suite 1 (X25519)
 * as the reference in the same run. Setup (KeyPackages, the add commit, the join) is not timed.
 *
 * What bounds it: the committer HPKE-encrypts its new path secrets to the resolution of every
 * copath node (RFC 9420: the path secrets are encrypted to the resolution of each copath node). After a bulk add, and for as long as only the creator
 * commits (our committer mode), the other members' subtrees stay blank, so the resolution is
 * every other leaf: n−1 HPKE encapsulations per commit, while a receiver decapsulates one.
 */
import { ed25519PublicFromSeed } from '../src/crypto/ecc.js';
import { systemRandom } from '../src/crypto/random.js';
import { changeMembers, createGroup, joinGroup, loadSuite, newKeyPackage, ownCommitAccepted, receive, type Group, type GroupSelf } from '../src/group/group.js';
import type { GroupSuiteId } from '../src/group/mls.js';
import { summarize, type Summary } from './stats.js';
import type { Figure } from './report.js';

const noPins = (): undefined => undefined;

function member(i: number): GroupSelf {
  const identitySeed = systemRandom(32);
  return { name: `member${i}`, identitySeed, identityKey: ed25519PublicFromSeed(identitySeed) };
}

interface Measured {
  create: number[];
  process: number[];
  welcomeBytes: number;
  commitBytes: number;
}

async function measure(id: GroupSuiteId, n: number, runs: number): Promise<Measured> {
  const suite = await loadSuite(id, systemRandom);
  const selves = Array.from({ length: n }, (_, i) => member(i));
  let a: Group = await createGroup({ suite, self: selves[0]!, groupId: systemRandom(32), pins: noPins });
  const kps = await Promise.all(selves.slice(1).map((s) => newKeyPackage(suite, s)));
  const add = await changeMembers(a, { add: kps.map((k) => k.frame), remove: [] }, noPins);
  a = ownCommitAccepted(add.group, noPins).group;
  let b: Group = (await joinGroup({ suite, self: selves[1]!, welcome: add.commit!.welcome!, keyPackage: kps[0]!.keyPackage, pins: noPins })).group;
  const out: Measured = { create: [], process: [], welcomeBytes: add.commit!.welcome!.length, commitBytes: 0 };
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const c = await changeMembers(a, { add: [], remove: [] }, noPins);
    a = ownCommitAccepted(c.group, noPins).group;
    const t1 = performance.now();
    b = (await receive(b, c.commit!.frame, noPins)).group;
    const t2 = performance.now();
    out.create.push(t1 - t0);
    out.process.push(t2 - t1);
    out.commitBytes = c.commit!.frame.length;
  }
  if (a.mls.epoch !== b.mls.epoch) throw new Error('bench: the two members disagree on the epoch');
  return out;
}

export async function groupsSection(quick: boolean): Promise<Figure[]> {
  const sizes = quick ? [3, 50] : [3, 50, 200];
  const runs = quick ? 1 : 3;
  const figs: Figure[] = [];
  for (const n of sizes) {
    const x = await measure(83, n, runs);
    const ref = await measure(1, n, runs);
    const fig = (what: 'create' | 'process', v: Summary, r: Summary, note: string): Figure => ({
      section: 'groups',
      name: `empty commit ${what}, ${n} members, suite 83`,
      unit: 'ms',
      value: v,
      over: `${runs} commit${runs === 1 ? '' : 's'}`,
      higherIsBetter: false,
      references: [{ name: 'suite 1', value: r }],
      note,
    });
    figs.push(fig('create', summarize(x.create), summarize(ref.create), `commit ${x.commitBytes} B (suite 1: ${ref.commitBytes} B); Welcome for ${n - 1} joiners ${x.welcomeBytes} B (suite 1: ${ref.welcomeBytes} B)`));
    figs.push(fig('process', summarize(x.process), summarize(ref.process), `one receiver; every other member pays the same`));
  }
  return figs;
}
