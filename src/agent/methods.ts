/**
 * The agent's methods (docs/AGENT-API.md §4): each takes the request's params (untrusted:
 * checked here) and returns a result, or throws `RpcFailure`. Progress of a long request
 * reaches only the client that made it, as `progress` notifications; what happens to the
 * user (a message arrived, a conversation ended) reaches every subscribed client as `event`.
 */
import { explain, type FailContext } from '../app/errors-text.js';
import type { JsonEvent, Reporter } from '../app/host.js';
import { NoReceipt, PasswordNeeded, type Messenger } from '../app/messenger.js';
import type { OutboxRunner } from '../app/outbox-runner.js';
import { handleOutbox, sendViaOutbox } from './outbox-methods.js';
import type { Target } from '../app/target.js';
import { usernameProblem } from '../identity/username.js';
import { AGENT_API_VERSION, RpcCode, RpcFailure, type Json, type JsonObject, type RpcId, type RpcRequest } from './rpc.js';
import type { AgentPaths } from './paths.js';
import { handleGroup, isGroupMethod } from './methods-groups.js';
import { historyMethod } from './history-method.js';
import { handleFiles, isFilesMethod } from './methods-files.js';
import type { KsfParams } from '../crypto/opaque.js';
import { contactMethod, type ContactsState } from './methods-contacts.js';

/** One connected client. */
export interface Peer {
  /** The local users whose events this client receives. */
  readonly subscribed: Set<string>;
  /** Listeners this client holds while it is connected (one entry per hold). */
  readonly holds: string[];
  /** Conversations this client (a `chat`) keeps open while it is connected. */
  readonly links: { readonly as: string; readonly to: Target }[];
  notify(method: string, params: JsonObject): void;
  /** Ends the connection (the agent is stopping). */
  end(): void;
}

/** What the methods see of the running agent. */
export interface AgentState {
  readonly paths: AgentPaths;
  readonly startedAt: number;
  readonly messenger: Messenger;
  readonly outbox: OutboxRunner;
  /** Key-stretching parameters for what the agent registers (invitations). */
  readonly ksf: KsfParams;
  readonly clients: number;
  stop(): Promise<void>;
}

export function bad(message: string): RpcFailure {
  return new RpcFailure(RpcCode.INVALID_PARAMS, message);
}

export function str(p: JsonObject, k: string): string {
  const v = p[k];
  if (typeof v !== 'string') throw bad(`"${k}" must be a string`);
  return v;
}

export function optStr(p: JsonObject, k: string): string | undefined {
  const v = p[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad(`"${k}" must be a string`);
  return v;
}

export function username(p: JsonObject, k: string): string {
  const v = str(p, k);
  const problem = usernameProblem(v);
  if (problem !== undefined) throw bad(`"${k}" is not a valid username: ${problem}`);
  return v;
}

function target(p: JsonObject): Target {
  const t = p['to'];
  if (typeof t !== 'object' || t === null || Array.isArray(t)) throw bad('"to" must be {account, host, port}');
  const o = t as JsonObject;
  const port = o['port'];
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) throw bad('"to.port" must be a port number');
  const host = str(o, 'host');
  if (host === '' || host.length > 255) throw bad('"to.host" must be a host name or address');
  return { account: username(o, 'account'), host, port };
}

/** A password given as base64 (docs/AGENT-API.md §4.4), as bytes. */
function password(p: JsonObject): Uint8Array | undefined {
  const v = optStr(p, 'password');
  if (v === undefined) return undefined;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length === 0) throw bad('"password" must be base64');
  return Uint8Array.from(Buffer.from(v, 'base64'));
}

/** A reporter that sends each line to the requesting client only. */
function progressTo(peer: Peer, request: RpcId): Reporter {
  const send = (level: 'status' | 'warn', text: string, e?: JsonEvent): void => peer.notify('progress', { request, level, text, ...(e === undefined ? {} : { event: e }) });
  return { status: (t, e) => send('status', t, e), warn: (t, e) => send('warn', t, e) };
}

/** Answers a failed operation with its one sentence, stable code and exit code. */
export function failure(e: unknown, fail: FailContext): RpcFailure {
  // A param checked inside the operation's try (a malformed password) keeps its -32602.
  if (e instanceof RpcFailure) return e;
  // Also when a contact's reconnect by keys was refused: the client asks for the password.
  if (e instanceof PasswordNeeded) return new RpcFailure(RpcCode.PASSWORD_NEEDED, e.message, { account: e.account });
  const inner = e instanceof NoReceipt ? e.error : e;
  const x = explain(inner, fail);
  const data: JsonObject = { code: x.code, exit: x.exit, sentence: x.sentence, ...(e instanceof NoReceipt ? { id: e.id } : {}) };
  return new RpcFailure(RpcCode.FAILED, x.sentence, data);
}

export async function handle(state: ContactsState, peer: Peer, req: RpcRequest): Promise<Json> {
  const p = req.params;
  switch (req.method) {
    case 'hello':
      return { agent: 'securechat', api: AGENT_API_VERSION, pid: process.pid, home: state.paths.home };
    case 'status': {
      const s = state.messenger.status();
      return {
        pid: process.pid,
        home: state.paths.home,
        api: AGENT_API_VERSION,
        startedAt: new Date(state.startedAt).toISOString(),
        clients: state.clients,
        users: [...s.users],
        conversations: s.conversations.map((c) => ({ ...c })),
        listening: s.listening.map((l) => ({ ...l })),
        outbox: state.outbox.counts().map((c) => ({ ...c })),
      };
    }
    case 'stop':
      setImmediate(() => void state.stop());
      return { stopping: true };
    case 'subscribe': {
      const as = username(p, 'as');
      peer.subscribed.add(as);
      return { subscribed: as };
    }
    case 'listen': {
      const as = username(p, 'as');
      const port = p['port'];
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535) throw bad('"port" must be a port number (0 = any free one)');
      const host = optStr(p, 'host');
      const detach = p['detach'] === true;
      const fail: FailContext = { established: false, port };
      try {
        const r = await state.messenger.listen(as, { host, port, usersPath: optStr(p, 'users') }, progressTo(peer, req.id), fail);
        if (!detach) peer.holds.push(as);
        return { ...r, as };
      } catch (e) {
        throw failure(e, fail);
      }
    }
    case 'open': {
      const as = username(p, 'as');
      const to = target(p);
      if (p['password'] === undefined && state.messenger.needsPassword(as, to)) {
        throw new RpcFailure(RpcCode.PASSWORD_NEEDED, `the password of ${to.account} is needed`, { account: to.account });
      }
      const pw = password(p); // a malformed password is -32602, before anything runs (as in `send`)
      const usersPath = optStr(p, 'users');
      const fail: FailContext = { established: false };
      try {
        const r = await state.messenger.hold({ as, target: to, usersPath, password: pw, acceptKsf: p['acceptKsf'] === true }, progressTo(peer, req.id), fail);
        peer.links.push({ as, to });
        return { peer: r.peer, open: true };
      } catch (e) {
        throw failure(e, fail);
      }
    }
    case 'close': {
      const as = username(p, 'as');
      const to = target(p);
      const i = peer.links.findIndex((l) => l.as === as && l.to.account === to.account && l.to.host === to.host && l.to.port === to.port);
      if (i < 0) return { open: false };
      peer.links.splice(i, 1);
      await state.messenger.release(as, to);
      return { open: false };
    }
    case 'say': {
      const as = username(p, 'as');
      const to = username(p, 'peer');
      const text = str(p, 'text');
      const fail: FailContext = { established: false };
      try {
        const r = await state.messenger.say(as, to, text, progressTo(peer, req.id), fail, undefined, peer);
        return { id: r.id, peer: r.peer, delivered: true };
      } catch (e) {
        throw failure(e, fail);
      }
    }
    case 'unlisten': {
      const as = username(p, 'as');
      const i = peer.holds.indexOf(as);
      if (i >= 0) peer.holds.splice(i, 1);
      await state.messenger.unlisten(as);
      return { listening: false };
    }
    case 'send': {
      const as = username(p, 'as');
      const to = target(p);
      const text = str(p, 'text');
      const usersPath = optStr(p, 'users');
      if (p['password'] === undefined && state.messenger.needsPassword(as, to)) {
        throw new RpcFailure(RpcCode.PASSWORD_NEEDED, `the password of ${to.account} is needed`, { account: to.account });
      }
      // To a contact (no password needed): delivered at once, or queued in the outbox.
      if (p['password'] === undefined) return sendViaOutbox(state.outbox, as, to, text, p['wait'] === true, progressTo(peer, req.id));
      const pw = password(p);
      const fail: FailContext = { established: false };
      try {
        const r = await state.messenger.send({ as, target: to, text, usersPath, password: pw, acceptKsf: p['acceptKsf'] === true, by: peer }, progressTo(peer, req.id), fail);
        return { id: r.id, peer: r.peer, delivered: true };
      } catch (e) {
        throw failure(e, fail);
      }
    }
    case 'history':
      return historyMethod(state.paths.home, p);
    default: {
      const r = await handleOutbox(state.outbox, req);
      if (r !== undefined) return r;
      if (isGroupMethod(req.method)) return handleGroup(state, req); // docs/AGENT-API.md §4.13
      if (isFilesMethod(req.method)) return handleFiles(state, req); // docs/AGENT-API.md §7
      const c = contactMethod(state, peer, req);
      if (c !== undefined) return c;
      throw new RpcFailure(RpcCode.METHOD_NOT_FOUND, `no method "${req.method}"`);
    }
  }
}
