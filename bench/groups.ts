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

async function measure(id: GroupSuiteId, n: number, runs: number): Promise<Measured> {
  const built = await buildGroup(id, n, 1);
  let a: Group = built.creator;
  let b: Group = built.joined[0]!;
  const out: Measured = { addCreate: [], addProcess: [], removeCreate: [], removeProcess: [], addBytes: 0, removeBytes: 0, welcomeBytes: 0 };
  for (let r = 0; r < runs; r++) {
    const joiner = member(`joiner${r}`);
    const kp = await newKeyPackage(built.suite, joiner);
    const t0 = performance.now();
    const add = await changeMembers(a, { add: [kp.frame], remove: [] }, noPins);
    a = ownCommitAccepted(add.group, noPins).group;
    const t1 = performance.now();
    b = (await receive(b, add.commit!.frame, noPins)).group;
    const t2 = performance.now();
    const rm = await changeMembers(a, { add: [], remove: [joiner.name] }, noPins);
    a = ownCommitAccepted(rm.group, noPins).group;
    const t3 = performance.now();
    b = (await receive(b, rm.commit!.frame, noPins)).group;
    const t4 = performance.now();
    out.addCreate.push(t1 - t0);
    out.addProcess.push(t2 - t1);
    out.removeCreate.push(t3 - t2);
    out.removeProcess.push(t4 - t3);
    out.addBytes = add.commit!.frame.length;
    out.welcomeBytes = add.commit!.welcome!.length;
    out.removeBytes = rm.commit!.frame.length;
  }
  if (a.mls.epoch !== b.mls.epoch) throw new Error('bench: the two members disagree on the epoch');
  return out;
}

const kb = (b: number): string => `${(b / 1000).toFixed(1)} KB`;

export async function groupsSection(quick: boolean): Promise<Figure[]> {
  const sizes = quick ? [3, 50] : [3, 50, 200];
  const runs = quick ? 1 : 3;
  const figs: Figure[] = [];
  for (const n of sizes) {
    const x = await measure(83, n, runs);
    const ref = await measure(1, n, runs);
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
