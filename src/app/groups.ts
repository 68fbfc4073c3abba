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
import { localError, isSecureChatError, type SecureChatError } from '../errors.js';
import { systemRandom, type RandomSource } from '../crypto/random.js';
import { loadKnownPeers } from '../identity/index.js';
import type { KnownPeers } from '../identity/known-peers.js';
import { GroupOp, type GroupAppMessage } from '../chat/message.js';
import type { Conversation } from '../chat/conversation.js';
import * as G from '../group/index.js';
import type { MlsKeyPackage } from '../group/index.js';
import { GROUP_KEY_PACKAGE_TIMEOUT_MS, MAX_GROUP_BODY_BYTES, MAX_GROUPS_PER_USER, RECEIPT_TIMEOUT_MS } from '../limits.js';
import { listGroupNames, loadGroup, saveGroup, suiteFor, type Address, type GroupRecord } from './groups-store.js';
import { encodeGroupText, groupInfo, pinsOf, type GroupInfo } from './groups-view.js';
import type { Feed } from './listening.js';
import type { ConversationLog } from './log-sink.js';
import type { Self } from './self.js';
import { GroupInbox } from './groups-incoming.js';
import { groupSelf } from './groups-self.js';

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

/** Failures that mean "not online now" (the rest, like a changed key, are told as they are). */
const UNREACHABLE: ReadonlySet<string> = new Set(['CONNECTION_REFUSED', 'CONNECTION_LOST', 'NETWORK_ERROR', 'HANDSHAKE_TIMEOUT', 'SESSION_CLOSED', 'IDLE_TIMEOUT']);

/** Refuses (before anything is stored) a frame that would not fit one GROUP message: no state moves for a message that cannot be sent. */
function needFits(frame: Uint8Array, what: string, extra = 0): void {
  if (1 + extra + frame.length > MAX_GROUP_BODY_BYTES) {
    throw localError('GROUP_TOO_LARGE', `${what} would be ${frame.length} bytes, more than one direct record carries (${MAX_GROUP_BODY_BYTES}); groups this large, and messages this long, need a relay`);
  }
}

export class Groups {
  readonly #host: GroupsHost;
  readonly #random: RandomSource;
  readonly #cache = new Map<string, Promise<Map<string, GroupRecord>>>();
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #queues = new Map<string, Promise<unknown>>();
  /** KeyPackages we made for a contact's `group add`, by user and contact (one each). */
  readonly #keyPackages = new Map<string, MlsKeyPackage>();
  readonly #kpWaiters = new Map<string, (frame: Uint8Array) => void>();

  readonly #inbox: GroupInbox;

  constructor(host: GroupsHost, random: RandomSource = systemRandom) {
    this.#host = host;
    this.#random = random;
    this.#inbox = new GroupInbox({
      host,
      random,
      keyPackages: this.#keyPackages,
      kpWaiters: this.#kpWaiters,
      records: (u) => this.#records(u),
      record: (u, name) => this.#record(u, name),
      store: (u, r) => this.#store(u, r),
      locked: (user, name, fn) => this.#locked(user, name, fn),
      pins: (u) => this.#pins(u),
      deliver: (as, r, peers, msg) => this.#deliver(as, r, peers, msg),
    });
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
            const why = isSecureChatError(e) && e.code === 'NETWORK_ERROR' ? e.detail : `${peer} could not be reached (${code})`;
            return { peer, delivered: false, code, reason: `${why}; it was not delivered to ${peer} (delivery to an offline member needs a relay, which this version does not have yet)` };
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
        const group = await G.createGroup({ suite: await suiteFor(G.DEFAULT_GROUP_SUITE, this.#random), self: groupSelf(u.self), groupId: this.#random(32), pins });
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
        needFits(commit.frame, 'the commit');
        if (commit.welcome !== undefined) needFits(commit.welcome, 'the Welcome', 1 + name.length);
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
      needFits(ch.commit.frame, 'the commit'); // before applying it: nothing is wiped yet
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
        needFits(s.frame, 'the commit');
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
        needFits(s.frame, 'the message');
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
  incoming(u: GroupUser, peer: string, conv: Conversation, m: GroupAppMessage): Promise<void> {
    return this.#inbox.incoming(u, peer, conv, m);
  }
}

export { groupSelf };
export type { SecureChatError };
