/**
 * Incoming group traffic for the app's groups (docs/GROUPS.md §11, PROTOCOL §12): KeyPackage
 * requests and answers, Welcomes, and frames — which the committer, after processing them,
 * forwards to the other members in the order it applied them. Split from groups.ts, whose
 * state (files, locks, queues) it uses through `InboxContext`.
 */
import { localError, remoteError, isSecureChatError } from '../errors.js';
import type { RandomSource } from '../crypto/random.js';
import type { KnownPeers } from '../identity/known-peers.js';
import { GroupOp, type GroupAppMessage } from '../chat/message.js';
import { groupNameProblem } from '../chat/group-message.js';
import type { Conversation } from '../chat/conversation.js';
import * as G from '../group/index.js';
import type { MlsKeyPackage } from '../group/index.js';
import { MAX_GROUPS_PER_USER } from '../limits.js';
import { suiteFor, type GroupRecord } from './groups-store.js';
import { decodeGroupText } from './groups-view.js';
import type { Delivery, GroupsHost, GroupUser } from './groups.js';
import { groupSelf } from './groups-self.js';

export interface InboxContext {
  readonly host: GroupsHost;
  readonly random: RandomSource;
  readonly keyPackages: Map<string, MlsKeyPackage>;
  readonly kpWaiters: Map<string, (frame: Uint8Array) => void>;
  records(u: GroupUser): Promise<Map<string, GroupRecord>>;
  record(u: GroupUser, name: string): Promise<GroupRecord>;
  store(u: GroupUser, r: GroupRecord): Promise<void>;
  locked<T>(user: string, name: string, fn: () => Promise<T>): Promise<T>;
  pins(u: GroupUser): Promise<{ known: KnownPeers; pins: G.PinLookup }>;
  deliver(as: string, r: GroupRecord, peers: readonly string[], msg: Parameters<Conversation['sendGroup']>[0]): Promise<Delivery[]>;
}


export class GroupInbox {
  readonly #c: InboxContext;

  constructor(c: InboxContext) {
    this.#c = c;
  }


  /** Group traffic from `peer` on a conversation of `u`. Throws (ending that conversation) on a refused frame. */
  async incoming(u: GroupUser, peer: string, conv: Conversation, m: GroupAppMessage): Promise<void> {
    const as = u.self.name;
    const k = `${as}\u0000${peer}`;
    switch (m.op) {
      case GroupOp.KP_REQUEST: {
        if (!this.#c.host.isContact(as, peer)) throw remoteError('UNEXPECTED_MESSAGE', `${peer} asked for a KeyPackage but is not a contact`);
        const kp = await G.newKeyPackage(await suiteFor(G.DEFAULT_GROUP_SUITE, this.#c.random), groupSelf(u.self));
        this.#c.keyPackages.set(k, kp.keyPackage);
        conv.sendGroup({ op: GroupOp.KEY_PACKAGE, frame: kp.frame });
        return;
      }
      case GroupOp.KEY_PACKAGE:
        this.#c.kpWaiters.get(k)?.(m.frame);
        return;
      case GroupOp.WELCOME:
        return this.#welcome(u, peer, m.name, m.frame);
      case GroupOp.FRAME:
        return this.#frame(u, peer, m.frame);
    }
  }

  async #welcome(u: GroupUser, peer: string, wanted: string, frame: Uint8Array): Promise<void> {
    const as = u.self.name;
    const kp = this.#c.keyPackages.get(`${as}\u0000${peer}`);
    if (kp === undefined) throw remoteError('UNEXPECTED_MESSAGE', `${peer} sent a Welcome we did not ask for`);
    const all = await this.#c.records(u);
    if (all.size >= MAX_GROUPS_PER_USER) throw localError('USAGE', `${as} already holds ${MAX_GROUPS_PER_USER} groups; ${peer}'s Welcome was refused`);
    const name = [wanted, `${wanted}-${peer}`, ...[2, 3, 4, 5, 6, 7, 8, 9].map((n) => `${wanted}-${n}`)].find((n) => groupNameProblem(n) === undefined && !all.has(n));
    if (name === undefined) throw localError('USAGE', `${as} already has groups named ${wanted} and ${wanted}-2 to -9; ${peer}'s Welcome was refused`);
    await this.#c.locked(as, name, async () => {
      if (all.has(name)) throw localError('USAGE', `${as} already has a group named ${name}`);
      const { pins } = await this.#c.pins(u);
      const j = await G.joinGroup({ suite: await suiteFor(G.DEFAULT_GROUP_SUITE, this.#c.random), self: groupSelf(u.self), welcome: frame, keyPackage: kp, pins });
      this.#c.keyPackages.delete(`${as}\u0000${peer}`);
      const hub = j.members.find((x) => x.leaf === 0)?.name ?? peer;
      await this.#c.store(u, { name, hub, addresses: {}, status: 'active', group: j.group });
      const names = j.members.map((x) => (x.keyState === 'verified' || x.name === as ? x.name : `${x.name} (${x.keyState}: needs verification)`));
      this.#c.host.feed(as).status(`${peer} added you to the group ${name}: ${names.join(', ')}`, { event: 'group-joined', group: name, by: peer, members: j.members.map((x) => x.name) });
    });
  }

  async #frame(u: GroupUser, peer: string, frame: Uint8Array): Promise<void> {
    const as = u.self.name;
    const feed = this.#c.host.feed(as);
    const header = G.decodeGroupFrame(frame).header;
    const id = header.groupId;
    const r0 = [...(await this.#c.records(u)).values()].find((x) => id !== undefined && sameBytes(x.group.mls.groupId, id));
    if (r0 === undefined) throw remoteError('GROUP_WRONG_GROUP', `${peer} sent a message for a group ${as} is not in`);
    await this.#c.locked(as, r0.name, async () => {
      const r = await this.#c.record(u, r0.name);
      const { pins } = await this.#c.pins(u);
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
        await this.#c.store(u, next);
        await u.log.groupReceived(r.name, ev.from.name, text);
        feed.line(text, { event: 'group-message', group: r.name, from: ev.from.name, to: as, text, sentAt: new Date(sentAtMs).toISOString(), receivedAt: new Date().toISOString(), keyState: ev.from.keyState });
        if (hub) void this.#forward(as, next, others.filter((n) => n !== ev.from.name), frame);
        return;
      }
      if (ev.kind === 'proposal') {
        await this.#c.store(u, next);
        if (!hub) return;
        void this.#forward(as, next, others, frame);
        // The committer commits what it received at once (GROUPS.md §6: members cannot send while a proposal waits).
        const c = await G.commitProposals(next.group, pins);
        if (c.commit === undefined) return;
        next = { ...next, group: G.ownCommitAccepted(c.group, pins).group };
        await this.#c.store(u, next);
        void this.#forward(as, next, before.filter((n) => n !== as), c.commit.frame);
        this.#tellCommit(as, next, pins, before);
        return;
      }
      if (ev.kind === 'removed') {
        next = { ...next, status: 'removed' };
        await this.#c.store(u, next);
        feed.status(`you are no longer a member of the group ${r.name} (epoch ${String(ev.epoch)})`, { event: 'group-removed', group: r.name });
        return;
      }
      await this.#c.store(u, next);
      this.#tellCommit(as, next, pins, before);
    });
  }

  #tellCommit(as: string, r: GroupRecord, pins: G.PinLookup, before: readonly string[]): void {
    const now = G.members(r.group, pins).map((m) => m.name);
    const added = now.filter((n) => !before.includes(n));
    const removed = before.filter((n) => !now.includes(n));
    const parts = [...added.map((n) => `${n} joined`), ...removed.map((n) => `${n} left`)];
    this.#c.host.feed(as).status(`group ${r.name}, epoch ${String(r.group.mls.epoch)}: ${parts.length === 0 ? 'keys updated' : parts.join(', ')}`, { event: 'group-commit', group: r.name, epoch: String(r.group.mls.epoch), added, removed });
  }

  async #forward(as: string, r: GroupRecord, peers: readonly string[], frame: Uint8Array): Promise<void> {
    for (const d of await this.#c.deliver(as, r, peers, { op: GroupOp.FRAME, frame })) {
      if (!d.delivered) this.#c.host.feed(as).warn(`group ${r.name}: ${d.reason ?? 'not delivered'}`, { event: 'group-undelivered', group: r.name, peer: d.peer, code: d.code ?? 'NETWORK_ERROR' });
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
