/**
 * Groups in the application core (docs/GROUPS.md §11): the agent's only writer of each local
 * user's group files, and the router of group traffic over the 1:1 conversations between
 * contacts. Without a relay the creator is the designated committer AND the hub: members send
 * everything (application messages, their leave proposal) to it; it processes each frame
 * (it is a member), stores it, and forwards it to every other member in the order it applied
 * them, so every member processes the group's frames in one order (GROUPS.md §5).
 *
 * Each group's state changes under one lock per (user, group): a command and an incoming
 * frame never interleave. Frames are forwarded by a per-group queue, outside the lock, in
 * the order the hub applied them; a member that cannot be reached is told in a warning
 * (delivery to an offline member needs a relay, which is not built yet).
 */
import { localError, remoteError, isSecureChatError, type SecureChatError } from '../errors.js';
import { systemRandom, type RandomSource } from '../crypto/random.js';
import { loadKnownPeers } from '../identity/index.js';
import type { KnownPeers } from '../identity/known-peers.js';
import { GroupOp, type GroupAppMessage } from '../chat/message.js';
import { groupNameProblem } from '../chat/group-message.js';
import type { Conversation } from '../chat/conversation.js';
import * as G from '../group/index.js';
import type { MlsKeyPackage } from '../group/index.js';
import { GROUP_KEY_PACKAGE_TIMEOUT_MS, MAX_GROUPS_PER_USER, RECEIPT_TIMEOUT_MS } from '../limits.js';
import { listGroupNames, loadGroup, saveGroup, suiteFor, type Address, type GroupRecord } from './groups-store.js';
import { decodeGroupText, encodeGroupText, groupInfo, pinsOf, type GroupInfo } from './groups-view.js';
import type { Feed } from './listening.js';
import type { ConversationLog } from './log-sink.js';
import type { Self } from './self.js';

/** What a group operation holds while it runs: the user and their open log. */
export interface GroupUser {
  readonly self: Self;
  readonly log: ConversationLog;
}

/** What the groups need from the messenger. */
export interface GroupsHost {
  useUser<T>(as: string, fn: (u: GroupUser) => Promise<T>): Promise<T>;
  /** A conversation of `as` with `peer`: an open one, or a reconnect by keys to `address`; released after `fn`. */
  withPeer<T>(as: string, peer: string, address: Address | undefined, fn: (conv: Conversation) => Promise<T>): Promise<T>;
  isContact(as: string, peer: string): boolean;
  feed(user: string): Feed;
}

/** One member a group operation tried to reach. */
export interface Delivery {
  readonly peer: string;
  readonly delivered: boolean;
  /** Why not, in one sentence (the member is offline: delivery needs a relay). */
  readonly reason?: string;
  readonly code?: string;
}

const DEFAULT_SUITE = 83;
/** Failures that mean "not online now" (the rest, like a changed key, are told as they are). */
const UNREACHABLE: ReadonlySet<string> = new Set(['CONNECTION_REFUSED', 'CONNECTION_LOST', 'NETWORK_ERROR', 'HANDSHAKE_TIMEOUT', 'SESSION_CLOSED', 'IDLE_TIMEOUT']);

export class Groups {
  readonly #host: GroupsHost;
  readonly #random: RandomSource;
  readonly #cache = new Map<string, Promise<Map<string, GroupRecord>>>();
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #queues = new Map<string, Promise<unknown>>();
  /** KeyPackages we made for a contact's `group add`, by user and contact (one each). */
  readonly #keyPackages = new Map<string, MlsKeyPackage>();
  readonly #kpWaiters = new Map<string, (frame: Uint8Array) => void>();

  constructor(host: GroupsHost, random: RandomSource = systemRandom) {
    this.#host = host;
    this.#random = random;
  }

  /** The user's groups, read from their files once per agent (two first callers share one read). */
  #records(u: GroupUser): Promise<Map<string, GroupRecord>> {
    let m = this.#cache.get(u.self.name);
    if (m === undefined) {
      m = (async () => {
        const all = new Map<string, GroupRecord>();
        for (const n of await listGroupNames(u.self.dir)) {
          const r = await loadGroup(u.self.dir, n, groupSelf(u.self));
          if (r !== undefined) all.set(n, r);
        }
        return all;
      })();
      this.#cache.set(u.self.name, m);
      // A failed read (a damaged file) is tried again next time, not remembered.
      m.catch(() => this.#cache.delete(u.self.name));
    }
    return m;
  }

  async #record(u: GroupUser, name: string): Promise<GroupRecord> {
    const r = (await this.#records(u)).get(name);
    if (r === undefined) throw localError('GROUP_UNKNOWN', `${u.self.name} has no group named ${name}; see \`securechat group list\``);
    return r;
  }

  async #store(u: GroupUser, r: GroupRecord): Promise<void> {
    await saveGroup(u.self.dir, r, this.#random);
    (await this.#records(u)).set(r.name, r);
  }

  /** Runs `fn` alone for this (user, group). */
  #locked<T>(user: string, name: string, fn: () => Promise<T>): Promise<T> {
    const k = `${user}\u0000${name}`;
    const run = (this.#locks.get(k) ?? Promise.resolve()).then(fn, fn);
    this.#locks.set(k, run.catch(() => undefined));
    return run;
  }

  /** Sends `msg` to each of `peers` in parallel, after everything queued before for this group. */
  #deliver(as: string, r: GroupRecord, peers: readonly string[], msg: Parameters<Conversation['sendGroup']>[0]): Promise<Delivery[]> {
    const k = `${as}\u0000${r.name}`;
    const job = (this.#queues.get(k) ?? Promise.resolve()).then(() =>
      Promise.all(
        peers.map(async (peer): Promise<Delivery> => {
          try {
            await this.#host.withPeer(as, peer, r.addresses[peer], async (conv) => conv.waitReceipt(conv.sendGroup(msg), RECEIPT_TIMEOUT_MS));
            return { peer, delivered: true };
          } catch (e) {
            const code = isSecureChatError(e) ? e.code : 'NETWORK_ERROR';
            return { peer, delivered: false, code, reason: `${peer} could not be reached (${code}); delivery to an offline member needs a relay, which this version does not have yet` };
          }
        }),
      ),
    );
    this.#queues.set(k, job.catch(() => undefined));
    return job;
  }

  async #pins(u: GroupUser): Promise<{ known: KnownPeers; pins: G.PinLookup }> {
    const known = await loadKnownPeers(u.self.dir);
    return { known, pins: pinsOf(known) };
  }

  /** Resolves once every forward queued so far has been tried (for tests and a clean stop). */
  async settled(): Promise<void> {
    for (;;) {
      const q = [...this.#queues.values()];
      await Promise.all(q);
      if ([...this.#queues.values()].every((x, i) => x === q[i]) && this.#queues.size === q.length) return;
    }
  }

  // ---- commands ----

  async list(as: string): Promise<GroupInfo[]> {
    return this.#host.useUser(as, async (u) => {
      const { known } = await this.#pins(u);
      return [...(await this.#records(u)).values()].map((r) => groupInfo(r, known));
    });
  }

  async show(as: string, name: string): Promise<GroupInfo> {
    return this.#host.useUser(as, async (u) => groupInfo(await this.#record(u, name), (await this.#pins(u)).known));
  }

  async create(as: string, name: string): Promise<GroupInfo> {
    return this.#host.useUser(as, (u) =>
      this.#locked(as, name, async () => {
        const all = await this.#records(u);
        if (all.has(name)) throw localError('USAGE', `${as} already has a group named ${name}`);
        if (all.size >= MAX_GROUPS_PER_USER) throw localError('USAGE', `${as} already holds ${MAX_GROUPS_PER_USER} groups`);
        const { known, pins } = await this.#pins(u);
        const group = await G.createGroup({ suite: await suiteFor(DEFAULT_SUITE, this.#random), self: groupSelf(u.self), groupId: this.#random(32), pins });
        const r: GroupRecord = { name, hub: as, addresses: {}, status: 'active', group };
        await this.#store(u, r);
        return groupInfo(r, known);
      }),
    );
  }

  /** Adds contacts (the creator only, without a relay): each is asked for a KeyPackage over the direct session, then sent the Welcome. */
  async add(as: string, name: string, people: readonly { name: string; address: Address | undefined }[]): Promise<{ info: GroupInfo; deliveries: Delivery[] }> {
    return this.#host.useUser(as, async (u) => {
      const r0 = await this.#record(u, name);
      if (r0.hub !== as) throw localError('GROUP_COMMIT_REFUSED', `only ${r0.hub}, who created ${name}, adds members until a relay orders the group`);
      for (const p of people) {
        if (!this.#host.isContact(as, p.name)) throw localError('USAGE', `${p.name} is not a contact of ${as}; log in to them once with their password (\`securechat send --to ${p.name}\`) first`);
      }
      const kps: Uint8Array[] = [];
      for (const p of people) {
        try {
          kps.push(await this.#fetchKeyPackage(as, p.name, p.address));
        } catch (e) {
          if (isSecureChatError(e) && !UNREACHABLE.has(e.code)) throw e;
          // Said plainly: nothing was added, nothing is queued.
          throw localError('NETWORK_ERROR', `${p.name} is not reachable now (${isSecureChatError(e) ? e.code : 'no conversation'}), so nobody was added to ${name}: adding an offline member needs a relay, which this version does not have yet; try again when ${p.name} is online`, e);
        }
      }
      const done = await this.#locked(as, name, async () => {
        const r = await this.#record(u, name);
        const { known, pins } = await this.#pins(u);
        const before = G.members(r.group, pins).map((m) => m.name).filter((n) => n !== as);
        const changed = await G.changeMembers(r.group, { add: kps, remove: [] }, pins);
        const commit = changed.commit;
        if (commit === undefined) throw localError('INTERNAL', 'the committer made no commit');
        const applied = G.ownCommitAccepted(changed.group, pins).group;
        const addresses = { ...r.addresses };
        for (const p of people) if (p.address !== undefined) addresses[p.name] = p.address;
        const next: GroupRecord = { ...r, group: applied, addresses };
        await this.#store(u, next);
        const old = this.#deliver(as, next, before, { op: GroupOp.FRAME, frame: commit.frame });
        const welcome = commit.welcome;
        const added = welcome === undefined ? Promise.resolve([]) : this.#deliver(as, next, people.map((p) => p.name), { op: GroupOp.WELCOME, name, frame: welcome });
        return { info: groupInfo(next, known), sent: { all: Promise.all([old, added]) } };
      });
      // Delivered outside the lock: a member's frame to us meanwhile must not wait for our deliveries.
      const [old, added] = await done.sent.all;
      return { info: done.info, deliveries: [...old, ...added] };
    });
  }

  async #fetchKeyPackage(as: string, peer: string, address: Address | undefined): Promise<Uint8Array> {
    const k = `${as}\u0000${peer}`;
    return this.#host.withPeer(as, peer, address, async (conv) => {
      let timer: NodeJS.Timeout | undefined;
      const answer = new Promise<Uint8Array>((resolve, reject) => {
        this.#kpWaiters.set(k, resolve);
        timer = setTimeout(() => reject(localError('NETWORK_ERROR', `${peer} sent no KeyPackage in time`)), GROUP_KEY_PACKAGE_TIMEOUT_MS);
        timer.unref();
      });
      try {
        await conv.waitReceipt(conv.sendGroup({ op: GroupOp.KP_REQUEST }), RECEIPT_TIMEOUT_MS);
        return await answer;
      } finally {
        clearTimeout(timer);
        this.#kpWaiters.delete(k);
      }
    });
  }

  async remove(as: string, name: string, who: string): Promise<{ info: GroupInfo; deliveries: Delivery[] }> {
    return this.#change(as, name, async (_u, r, pins) => {
      const ch = await G.changeMembers(r.group, { add: [], remove: [who] }, pins);
      if (ch.commit === undefined) {
        const p = ch.proposals[0]; // a member removing itself: a proposal, as `leave`
        if (p === undefined) throw localError('INTERNAL', 'no commit and no proposal');
        return { group: ch.group, frame: p };
      }
      return { group: G.ownCommitAccepted(ch.group, pins).group, frame: ch.commit.frame };
    });
  }

  /** Leaving is a proposal to the committer (GROUPS.md §5); its commit removes us. */
  async leave(as: string, name: string): Promise<{ info: GroupInfo; deliveries: Delivery[] }> {
    return this.#change(as, name, async (_u, r, pins) => {
      const l = await G.leave(r.group, pins);
      return { group: l.group, frame: l.proposal };
    });
  }

  async #change(as: string, name: string, step: (u: GroupUser, r: GroupRecord, pins: G.PinLookup) => Promise<{ group: G.Group; frame: Uint8Array }>): Promise<{ info: GroupInfo; deliveries: Delivery[] }> {
    return this.#host.useUser(as, async (u) => {
      const done = await this.#locked(as, name, async () => {
        const r = await this.#record(u, name);
        const { known, pins } = await this.#pins(u);
        const to = this.#recipients(r, pins, as);
        const s = await step(u, r, pins);
        const next: GroupRecord = { ...r, group: s.group };
        await this.#store(u, next);
        return { info: groupInfo(next, known), sent: { all: this.#deliver(as, next, to, { op: GroupOp.FRAME, frame: s.frame }) } };
      });
      return { info: done.info, deliveries: await done.sent.all };
    });
  }

  /** Whom our own frame goes to: everyone else if we are the hub, else the hub. */
  #recipients(r: GroupRecord, pins: G.PinLookup, as: string): string[] {
    if (r.status !== 'active') throw localError('GROUP_NOT_MEMBER', `${as} is no longer a member of ${r.name}`);
    return r.hub === as ? G.members(r.group, pins).map((m) => m.name).filter((n) => n !== as) : [r.hub];
  }

  async send(as: string, name: string, text: string, now: number = Date.now()): Promise<{ deliveries: Delivery[] }> {
    const payload = encodeGroupText(text, now);
    return this.#host.useUser(as, async (u) => {
      const done = await this.#locked(as, name, async () => {
        const r = await this.#record(u, name);
        const { pins } = await this.#pins(u);
        const to = this.#recipients(r, pins, as);
        const s = await G.send(r.group, payload, pins);
        const next: GroupRecord = { ...r, group: s.group };
        await this.#store(u, next);
        await u.log.groupSent(name, text);
        return { all: this.#deliver(as, next, to, { op: GroupOp.FRAME, frame: s.frame }) };
      });
      return { deliveries: await done.all };
    });
  }

  /** Remembers where members listen (from the client's users file), for this group's deliveries. */
  async learnAddresses(as: string, name: string, addresses: Readonly<Record<string, Address>>): Promise<void> {
    if (Object.keys(addresses).length === 0) return;
    await this.#host.useUser(as, (u) =>
      this.#locked(as, name, async () => {
        const r = await this.#record(u, name);
        const fresh = Object.entries(addresses).some(([k, a]) => r.addresses[k]?.host !== a.host || r.addresses[k]?.port !== a.port);
        if (fresh) await this.#store(u, { ...r, addresses: { ...r.addresses, ...addresses } });
      }),
    );
  }

  /** Names of the members of `name` other than `as` (for resolving their addresses). */
  async others(as: string, name: string): Promise<string[]> {
    return this.#host.useUser(as, async (u) => {
      const r = await this.#record(u, name);
      return r.status === 'active' ? G.members(r.group, (await this.#pins(u)).pins).map((m) => m.name).filter((n) => n !== as) : [];
    });
  }

  // ---- incoming ----

  /** Group traffic from `peer` on a conversation of `u`. Throws (ending that conversation) on a refused frame. */
  async incoming(u: GroupUser, peer: string, conv: Conversation, m: GroupAppMessage): Promise<void> {
    const as = u.self.name;
    const k = `${as}\u0000${peer}`;
    switch (m.op) {
      case GroupOp.KP_REQUEST: {
        if (!this.#host.isContact(as, peer)) throw remoteError('UNEXPECTED_MESSAGE', `${peer} asked for a KeyPackage but is not a contact`);
        const kp = await G.newKeyPackage(await suiteFor(DEFAULT_SUITE, this.#random), groupSelf(u.self));
        this.#keyPackages.set(k, kp.keyPackage);
        conv.sendGroup({ op: GroupOp.KEY_PACKAGE, frame: kp.frame });
        return;
      }
      case GroupOp.KEY_PACKAGE:
        this.#kpWaiters.get(k)?.(m.frame);
        return;
      case GroupOp.WELCOME:
        return this.#welcome(u, peer, m.name, m.frame);
      case GroupOp.FRAME:
        return this.#frame(u, peer, m.frame);
    }
  }

  async #welcome(u: GroupUser, peer: string, wanted: string, frame: Uint8Array): Promise<void> {
    const as = u.self.name;
    const kp = this.#keyPackages.get(`${as}\u0000${peer}`);
    if (kp === undefined) throw remoteError('UNEXPECTED_MESSAGE', `${peer} sent a Welcome we did not ask for`);
    const all = await this.#records(u);
    if (all.size >= MAX_GROUPS_PER_USER) throw localError('USAGE', `${as} already holds ${MAX_GROUPS_PER_USER} groups; ${peer}'s Welcome was refused`);
    const name = [wanted, `${wanted}-${peer}`, ...[2, 3, 4, 5, 6, 7, 8, 9].map((n) => `${wanted}-${n}`)].find((n) => groupNameProblem(n) === undefined && !all.has(n));
    if (name === undefined) throw localError('USAGE', `${as} already has groups named ${wanted} and ${wanted}-2 to -9; ${peer}'s Welcome was refused`);
    await this.#locked(as, name, async () => {
      if (all.has(name)) throw localError('USAGE', `${as} already has a group named ${name}`);
      const { pins } = await this.#pins(u);
      const j = await G.joinGroup({ suite: await suiteFor(DEFAULT_SUITE, this.#random), self: groupSelf(u.self), welcome: frame, keyPackage: kp, pins });
      this.#keyPackages.delete(`${as}\u0000${peer}`);
      const hub = j.members.find((x) => x.leaf === 0)?.name ?? peer;
      await this.#store(u, { name, hub, addresses: {}, status: 'active', group: j.group });
      const names = j.members.map((x) => (x.keyState === 'verified' || x.name === as ? x.name : `${x.name} (${x.keyState}: needs verification)`));
      this.#host.feed(as).status(`${peer} added you to the group ${name}: ${names.join(', ')}`, { event: 'group-joined', group: name, by: peer, members: j.members.map((x) => x.name) });
    });
  }

  async #frame(u: GroupUser, peer: string, frame: Uint8Array): Promise<void> {
    const as = u.self.name;
    const feed = this.#host.feed(as);
    const header = G.decodeGroupFrame(frame).header;
    const id = header.groupId;
    const r0 = [...(await this.#records(u)).values()].find((x) => id !== undefined && sameBytes(x.group.mls.groupId, id));
    if (r0 === undefined) throw remoteError('GROUP_WRONG_GROUP', `${peer} sent a message for a group ${as} is not in`);
    await this.#locked(as, r0.name, async () => {
      const r = await this.#record(u, r0.name);
      const { pins } = await this.#pins(u);
      const before = r.status === 'active' ? G.members(r.group, pins).map((x) => x.name) : [];
      let got: { group: G.Group; event: G.GroupEvent };
      try {
        got = await G.receive(r.group, frame, pins);
      } catch (e) {
        const code = isSecureChatError(e) ? e.code : 'INTERNAL';
        feed.warn(`refused a message for the group ${r.name} from ${peer} (${code})`, { event: 'group-refused', group: r.name, from: peer, code });
        throw e;
      }
      const ev = got.event;
      let next: GroupRecord = { ...r, group: got.group };
      const hub = r.hub === as;
      const others = before.filter((n) => n !== as && n !== peer);
      if (ev.kind === 'message') {
        const { text, sentAtMs } = decodeGroupText(ev.plaintext);
        await this.#store(u, next);
        await u.log.groupReceived(r.name, ev.from.name, text);
        feed.line(text, { event: 'group-message', group: r.name, from: ev.from.name, to: as, text, sentAt: new Date(sentAtMs).toISOString(), receivedAt: new Date().toISOString(), keyState: ev.from.keyState });
        if (hub) void this.#forward(as, next, others.filter((n) => n !== ev.from.name), frame);
        return;
      }
      if (ev.kind === 'proposal') {
        await this.#store(u, next);
        if (!hub) return;
        void this.#forward(as, next, others, frame);
        // The committer commits what it received at once (GROUPS.md §6: members cannot send while a proposal waits).
        const c = await G.commitProposals(next.group, pins);
        if (c.commit === undefined) return;
        next = { ...next, group: G.ownCommitAccepted(c.group, pins).group };
        await this.#store(u, next);
        void this.#forward(as, next, before.filter((n) => n !== as), c.commit.frame);
        this.#tellCommit(as, next, pins, before);
        return;
      }
      if (ev.kind === 'removed') {
        next = { ...next, status: 'removed' };
        await this.#store(u, next);
        feed.status(`you are no longer a member of the group ${r.name} (epoch ${String(ev.epoch)})`, { event: 'group-removed', group: r.name });
        return;
      }
      await this.#store(u, next);
      this.#tellCommit(as, next, pins, before);
    });
  }

  #tellCommit(as: string, r: GroupRecord, pins: G.PinLookup, before: readonly string[]): void {
    const now = G.members(r.group, pins).map((m) => m.name);
    const added = now.filter((n) => !before.includes(n));
    const removed = before.filter((n) => !now.includes(n));
    const parts = [...added.map((n) => `${n} joined`), ...removed.map((n) => `${n} left`)];
    this.#host.feed(as).status(`group ${r.name}, epoch ${String(r.group.mls.epoch)}: ${parts.length === 0 ? 'keys updated' : parts.join(', ')}`, { event: 'group-commit', group: r.name, epoch: String(r.group.mls.epoch), added, removed });
  }

  async #forward(as: string, r: GroupRecord, peers: readonly string[], frame: Uint8Array): Promise<void> {
    for (const d of await this.#deliver(as, r, peers, { op: GroupOp.FRAME, frame })) {
      if (!d.delivered) this.#host.feed(as).warn(`group ${r.name}: ${d.reason ?? 'not delivered'}`, { event: 'group-undelivered', group: r.name, peer: d.peer, code: d.code ?? 'NETWORK_ERROR' });
    }
  }
}

export function groupSelf(s: Self): G.GroupSelf {
  return { name: s.name, identitySeed: s.identity.seed, identityKey: s.identity.publicKey };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export type { SecureChatError };
