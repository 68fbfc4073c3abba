/**
 * The agent's methods for contacts, invitations and the page (docs/AGENT-API.md §4.14–4.18):
 * `contacts`, `removeContact`, `invite`, `accept` and `ui`. Each checks its params (bad ones:
 * -32602) and runs the application core's one implementation (src/app/contacts-admin.ts), the
 * same the CLI's commands use.
 */
import { systemRandom } from '../crypto/random.js';
import { localError } from '../errors.js';
import type { FailContext } from '../app/errors-text.js';
import { SILENT, type JsonEvent, type Reporter } from '../app/host.js';
import { join } from 'node:path';
import { announcePeer } from '../app/announce.js';
import { writeRedirect } from '../app/open-browser.js';
import { acceptInvitation, listContacts, newInvitation, parseInvitation, removeContact } from '../app/contacts-admin.js';
import { KnownPeersPolicy } from '../app/policy.js';
import { loadUsersFile } from '../identity/index.js';
import { loadSelf, type Self } from '../app/self.js';
import { bad, failure, optStr, str, username, type AgentState, type Peer } from './methods.js';
import type { Pages } from './page.js';
import type { Json, JsonObject, RpcId, RpcRequest } from './rpc.js';

/** What these methods need beyond the other methods' state. */
export interface ContactsState extends AgentState {
  readonly pages: Pages;
}

async function self(state: AgentState, as: string, fail: FailContext, create: boolean, out: Reporter = SILENT): Promise<Self> {
  return loadSelf({ home: () => state.paths.home, ksf: () => state.ksf, fail, out }, as, undefined, create);
}

function optPort(p: JsonObject, k: string, allowZero: boolean): number | undefined {
  const v = p[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < (allowZero ? 0 : 1) || v > 65_535) throw bad(`"${k}" must be a port number${allowZero ? ' (0 = any free one)' : ''}`);
  return v;
}

/** Progress lines to the requesting client only (docs/AGENT-API.md §3, `progress`). */
function progress(peer: Peer, request: RpcId): Reporter {
  const send = (level: 'status' | 'warn', text: string, e?: JsonEvent): void => peer.notify('progress', { request, level, text, ...(e === undefined ? {} : { event: e }) });
  return { status: (t, e) => send('status', t, e), warn: (t, e) => send('warn', t, e) };
}

/** Runs `fn`, turning a failure into the agent's -32000 answer with its sentence. */
async function run<T extends Json>(fail: FailContext, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw failure(e, fail);
  }
}

/** The request, if it is one of these methods; undefined otherwise (the caller answers -32601). */
export function contactMethod(state: ContactsState, peer: Peer, req: RpcRequest): Promise<Json> | undefined {
  const p = req.params;
  switch (req.method) {
    case 'contacts': {
      const as = username(p, 'as');
      const fail: FailContext = { established: false, user: as };
      return run(fail, async () => {
        const me = await self(state, as, fail, false);
        const list = await listContacts(me.dir);
        return { as, contacts: list.map((c) => ({ ...c, since: new Date(c.since).toISOString() })) };
      });
    }
    case 'removeContact': {
      const as = username(p, 'as');
      const name = username(p, 'name');
      const fail: FailContext = { established: false, user: as, peer: name };
      return run(fail, async () => {
        await removeContact(await self(state, as, fail, false), name);
        return { removed: name };
      });
    }
    case 'invite': {
      const as = username(p, 'as');
      const host = optStr(p, 'host');
      if (host !== undefined && (host === '' || host.length > 255)) throw bad('"host" must be a host name or address');
      const port = optPort(p, 'port', false);
      const fail: FailContext = { established: false, user: as };
      return run(fail, async () => {
        const me = await self(state, as, fail, true);
        const l = state.messenger.listenerOf(as);
        const where = { host: host ?? l?.host, port: port ?? l?.port };
        if (where.host === undefined || where.port === undefined) throw localError('USAGE', `say where ${as} listens ("host" and "port"), or let ${as} listen first`);
        const inv = await newInvitation(me, { host: where.host, port: where.port }, state.ksf, systemRandom, Date.now());
        return { ...inv, expiresAt: new Date(inv.expiresAt).toISOString() };
      });
    }
    case 'accept': {
      const as = username(p, 'as');
      const text = str(p, 'invitation');
      const usersPath = optStr(p, 'users');
      const fail: FailContext = { established: false, user: as };
      return run(fail, async () => {
        const inv = parseInvitation(text);
        fail.peer = inv.account;
        const report = progress(peer, req.id);
        await self(state, as, fail, true, report); // says so when it creates the identity key
        const users = usersPath === undefined ? undefined : await loadUsersFile(usersPath);
        // Through the messenger: the conversation is in the log as any other (start and end).
        await state.messenger.accepted(as, report, fail, async (me) => {
          const policy = await KnownPeersPolicy.load(me.dir, users, () => undefined);
          try {
            const conv = await acceptInvitation({ self: me, invitation: inv, policy, onStep: (s) => report.status(s.text, { event: 'step', step: s.step, text: s.text }) });
            announcePeer(report, conv, 'invited by');
            return conv;
          } finally {
            await policy.settle();
          }
        });
        return { contact: inv.account };
      });
    }
    case 'ui': {
      const as = username(p, 'as');
      const usersPath = optStr(p, 'users');
      const port = optPort(p, 'port', true) ?? 0;
      const fail: FailContext = { established: false, user: as, port };
      return run(fail, async () => {
        const r = await state.pages.open(as, usersPath, port);
        // The opener gets this file's path, not the link: argv is readable by every local user.
        const redirect = await writeRedirect(join(state.paths.home, 'ui'), as, r.url);
        return { as, url: r.url, port: r.port, started: r.started, redirect, ...(r.usersFile === undefined ? {} : { users: r.usersFile }) };
      });
    }
    default:
      return undefined;
  }
}
