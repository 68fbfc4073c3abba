/**
 * Group commit time (docs/GROUPS.md §10): in groups of 3, 50 and 200 members (3 and 50 with
 * --quick), the committer adds one member (a fresh KeyPackage), then removes that member
 * again, each commit created by the committer and processed by another member; suite 83
 * (X-Wing) with suite 1 (X25519) as the reference in the same run. Setup (the bulk add that
 * builds the group, the join) is not timed. Message costs: bench/groups-messages.ts.
 *
 * What bounds it: the committer HPKE-encrypts its new path secrets to the resolution of every
 * copath node (RFC 9420). After a bulk add, and for as long as only the creator commits,
 * the other members' subtrees are blank, so the resolution is every other leaf: n−1 HPKE
 * encapsulations per commit, while a receiver decapsulates one and re-hashes the tree. An add
 * also signs and sends a Welcome for the joiner (one encapsulation to its KeyPackage, plus the
 * whole ratchet tree in the GroupInfo).
 */
import { changeMembers, newKeyPackage, ownCommitAccepted, receive, type Group } from '../src/group/group.js';
import type { GroupSuiteId } from '../src/group/mls.js';
import { buildGroup, member, noPins } from './groups-setup.js';
import { groupMessageFigures } from './groups-messages.js';
import { summarize, type Summary } from './stats.js';
import type { Figure } from './report.js';

interface Measured {
  addCreate: number[];
  addProcess: number[];
  removeCreate: number[];
  removeProcess: number[];
  addBytes: number;
  removeBytes: number;
  welcomeBytes: number;
}

interface Side {
  suite: Awaited<ReturnType<typeof buildGroup>>['suite'];
  a: Group;
  b: Group;
  m: Measured;
}

async function side(id: GroupSuiteId, n: number): Promise<Side> {
  const built = await buildGroup(id, n, 1);
  return { suite: built.suite, a: built.creator, b: built.joined[0]!, m: { addCreate: [], addProcess: [], removeCreate: [], removeProcess: [], addBytes: 0, removeBytes: 0, welcomeBytes: 0 } };
}

/** One add and one remove on `x` (the committer `a`, the receiver `b`), timed. */
async function once(x: Side, r: number): Promise<void> {
  const joiner = member(`joiner${r}`);
  const kp = await newKeyPackage(x.suite, joiner);
  const t0 = performance.now();
  const add = await changeMembers(x.a, { add: [kp.frame], remove: [] }, noPins);
  x.a = ownCommitAccepted(add.group, noPins).group;
  const t1 = performance.now();
  x.b = (await receive(x.b, add.commit!.frame, noPins)).group;
  const t2 = performance.now();
  const rm = await changeMembers(x.a, { add: [], remove: [joiner.name] }, noPins);
  x.a = ownCommitAccepted(rm.group, noPins).group;
  const t3 = performance.now();
  x.b = (await receive(x.b, rm.commit!.frame, noPins)).group;
  const t4 = performance.now();
  x.m.addCreate.push(t1 - t0);
  x.m.addProcess.push(t2 - t1);
  x.m.removeCreate.push(t3 - t2);
  x.m.removeProcess.push(t4 - t3);
  x.m.addBytes = add.commit!.frame.length;
  x.m.welcomeBytes = add.commit!.welcome!.length;
  x.m.removeBytes = rm.commit!.frame.length;
  if (x.a.mls.epoch !== x.b.mls.epoch) throw new Error('bench: the two members disagree on the epoch');
}

/** Suite 83 and the suite 1 reference, run by run in turn (so load from other processes falls on both alike). */
async function measure(n: number, runs: number): Promise<{ x: Measured; ref: Measured }> {
  const x = await side(83, n);
  const ref = await side(1, n);
  for (let r = 0; r < runs; r++) {
    await once(x, r);
    await once(ref, r);
  }
  return { x: x.m, ref: ref.m };
}

const kb = (b: number): string => `${(b / 1000).toFixed(1)} KB`;

export async function groupsSection(quick: boolean): Promise<Figure[]> {
  const sizes = quick ? [3, 50] : [3, 50, 200];
  const runs = quick ? 1 : 5;
  const figs: Figure[] = [];
  for (const n of sizes) {
    const { x, ref } = await measure(n, runs);
    const fig = (what: string, v: Summary, r: Summary, note: string): Figure => ({
      section: 'groups',
      name: `${what}, ${n} members, suite 83`,
      unit: 'ms',
      value: v,
      over: `${runs} commit${runs === 1 ? '' : 's'}`,
      higherIsBetter: false,
      references: [{ name: 'suite 1', value: r }],
      note,
    });
    figs.push(fig('commit add one: create', summarize(x.addCreate), summarize(ref.addCreate), `commit ${kb(x.addBytes)} (suite 1: ${kb(ref.addBytes)}), Welcome ${kb(x.welcomeBytes)} (suite 1: ${kb(ref.welcomeBytes)})`));
    figs.push(fig('commit add one: process', summarize(x.addProcess), summarize(ref.addProcess), 'one receiver; every other member pays the same'));
    figs.push(fig('commit remove one: create', summarize(x.removeCreate), summarize(ref.removeCreate), `commit ${kb(x.removeBytes)} (suite 1: ${kb(ref.removeBytes)})`));
    figs.push(fig('commit remove one: process', summarize(x.removeProcess), summarize(ref.removeProcess), 'one receiver'));
  }
  figs.push(...(await groupMessageFigures(quick)));
  return figs;
}
