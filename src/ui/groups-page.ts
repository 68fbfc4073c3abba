/**
 * The page's groups, on the agent's side (docs/UI.md "Groups"): a client of the agent's
 * `Groups` (src/app/groups.ts), like the CLI's `group` commands. It lists the user's groups
 * (members with their key state, epoch), sends group messages, and turns the user's feed
 * events (a group message arrived, a commit, a Welcome, a removal) into page events. All
 * cryptography and every write stay in the application core.
 *
 * HTTP (under the page's session, checked by server.ts before this runs):
 *   GET  /api/groups                          → GroupView[]
 *   POST /api/groups/send  {group, text}      → GroupSendView
 */
import { localError } from '../errors.js';
import { findUser, type UsersFile } from '../identity/index.js';
import type { JsonEvent } from '../app/host.js';
import type { Address } from '../app/groups-store.js';
import type { FeedLevel } from '../app/feed-hub.js';
import type { Self } from '../app/self.js';
import { groupNameProblem } from '../chat/group-message.js';
import type { PageCore } from './controller.js';
import { HttpError, field } from './http.js';
import type { GroupMessageView, GroupPageEvent, GroupSendView, GroupView } from './groups-protocol.js';

export interface GroupsPageOptions {
  readonly core: PageCore;
  readonly self: Self;
  /** The users file the page uses now (a later `securechat ui` may switch it). */
  readonly users: () => UsersFile | undefined;
  readonly emit: (e: { readonly type: 'group'; readonly event: GroupPageEvent }) => void;
}

const CHANGES: ReadonlySet<string> = new Set(['group-joined', 'group-commit', 'group-removed']);

export class GroupsPage {
  readonly #o: GroupsPageOptions;
  readonly #off: () => void;

  constructor(o: GroupsPageOptions) {
    this.#o = o;
    this.#off = o.core.feeds.watch(o.self.name, (level, text, e) => this.#feed(level, text, e));
  }

  #feed(_level: FeedLevel, _text: string, e: JsonEvent | undefined): void {
    const group = typeof e?.['group'] === 'string' ? e['group'] : undefined;
    if (e === undefined || group === undefined) return;
    const from = e?.['from'];
    const body = e?.['text'];
    if (e?.event === 'group-message' && e['to'] === this.#o.self.name && typeof from === 'string' && typeof body === 'string') {
      const at = typeof e['receivedAt'] === 'string' ? Date.parse(e['receivedAt']) : Date.now();
      const message: GroupMessageView = { group, from, text: body, at: Number.isFinite(at) ? at : Date.now(), direction: 'in' };
      this.#o.emit({ type: 'group', event: { kind: 'message', message } });
    } else if (typeof e.event === 'string' && CHANGES.has(e.event)) {
      this.#o.emit({ type: 'group', event: { kind: 'changed', group } });
    }
  }

  get #groups() {
    return this.#o.core.messenger.groups;
  }

  async list(): Promise<GroupView[]> {
    return this.#groups.list(this.#o.self.name);
  }

  /** Sends `text` to `group`; members in the users file are reached at their addresses there. */
  async send(group: string, text: string): Promise<GroupSendView> {
    const problem = groupNameProblem(group);
    if (problem !== undefined) throw new HttpError(400, 'BAD_REQUEST', `"${group}" is not a group name: ${problem}`);
    if (text.trim() === '') throw localError('USAGE', 'the message is empty');
    const me = this.#o.self.name;
    const users = this.#o.users();
    if (users !== undefined) {
      const at: Record<string, Address> = {};
      for (const n of await this.#groups.others(me, group)) {
        try {
          const u = findUser(users, n);
          at[n] = { host: u.ip, port: u.port };
        } catch {
          // not in the users file: an open conversation may still reach them
        }
      }
      await this.#groups.learnAddresses(me, group, at);
    }
    const at = Date.now();
    const r = await this.#groups.send(me, group, text, at);
    return { message: { group, from: me, text, at, direction: 'out' }, undelivered: r.deliveries.filter((d) => !d.delivered).map((d) => d.reason ?? `not delivered to ${d.peer}`) };
  }

  /** The group API under /api/groups; undefined for any other path. */
  async route(method: string, path: string, body: () => Promise<Record<string, unknown>>): Promise<unknown> {
    if (method === 'GET' && path === '/api/groups') return this.list();
    if (method === 'POST' && path === '/api/groups/send') {
      const b = await body();
      return this.send(field(b, 'group', 'string'), field(b, 'text', 'string'));
    }
    throw new HttpError(method === 'GET' || method === 'POST' ? 404 : 405, 'NOT_FOUND', 'there is no such request');
  }

  close(): void {
    this.#off();
  }
}
