/**
 * The agent's group methods (docs/AGENT-API.md §4.13): `group.create`, `group.add`,
 * `group.remove`, `group.leave`, `group.send`, `group.list`, `group.show`. Params are untrusted:
 * each is checked here (`-32602` naming the field); a failed operation answers `-32000` with the
 * stable code, exit code and one sentence, as every other method does.
 */
import { explain, type FailContext } from '../app/errors-text.js';
import type { Delivery } from '../app/groups.js';
import type { Address } from '../app/groups-store.js';
import type { GroupInfo } from '../app/groups-view.js';
import { groupNameProblem } from '../chat/group-message.js';
import { findUser, loadUsersFile } from '../identity/index.js';
import { usernameProblem } from '../identity/username.js';
import { RpcCode, RpcFailure, type Json, type JsonObject, type RpcRequest } from './rpc.js';
import type { AgentState } from './methods.js';
import { MAX_LIST } from '../limits.js';

const METHODS = new Set(['group.create', 'group.add', 'group.remove', 'group.leave', 'group.send', 'group.list', 'group.show']);

export function isGroupMethod(method: string): boolean {
  return METHODS.has(method);
}

const bad = (message: string): RpcFailure => new RpcFailure(RpcCode.INVALID_PARAMS, message);

function str(p: JsonObject, k: string): string {
  const v = p[k];
  if (typeof v !== 'string') throw bad(`"${k}" must be a string`);
  return v;
}

function user(v: unknown, k: string): string {
  if (typeof v !== 'string') throw bad(`"${k}" must be a string`);
  const problem = usernameProblem(v);
  if (problem !== undefined) throw bad(`"${k}" is not a valid username: ${problem}`);
  return v;
}

function groupName(p: JsonObject): string {
  const v = str(p, 'name');
  const problem = groupNameProblem(v);
  if (problem !== undefined) throw bad(`"name" is not a valid group name: ${problem}`);
  return v;
}

function usersPath(p: JsonObject): string | undefined {
  const v = p['users'];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v === '') throw bad('"users" must be the path of a users file');
  return v;
}

const infoJson = (i: GroupInfo): JsonObject => ({ ...i, members: i.members.map((m) => ({ ...m })) });
const deliveriesJson = (d: readonly Delivery[]): Json => d.map((x) => ({ ...x }));

/** Where the named people listen, from the users file (names it does not list are left out). */
async function addressesFrom(path: string | undefined, names: readonly string[]): Promise<Record<string, Address>> {
  if (path === undefined) return {};
  const users = await loadUsersFile(path);
  const out: Record<string, Address> = {};
  for (const n of names) {
    try {
      const e = findUser(users, n);
      out[n] = { host: e.ip, port: e.port };
    } catch {
      // not in this users file: an open conversation may still reach them
    }
  }
  return out;
}

export async function handleGroup(state: AgentState, req: RpcRequest): Promise<Json> {
  const p = req.params;
  const groups = state.messenger.groups;
  const as = user(p['as'], 'as');
  const fail: FailContext = { established: false, user: as };
  // Checked before anything runs: a bad param is -32602 and changes nothing.
  const name = req.method === 'group.list' ? '' : groupName(p);
  const path = usersPath(p);
  const learn = async (): Promise<void> => {
    if (path !== undefined) await groups.learnAddresses(as, name, await addressesFrom(path, await groups.others(as, name)));
  };
  try {
    switch (req.method) {
      case 'group.list':
        return { groups: (await groups.list(as)).map(infoJson) };
      case 'group.show':
        return infoJson(await groups.show(as, name));
      case 'group.create':
        return infoJson(await groups.create(as, name));
      case 'group.add': {
        const m = p['members'];
        if (!Array.isArray(m) || m.length === 0 || m.length > MAX_LIST) throw bad(`"members" must be a list of 1 to ${MAX_LIST} usernames`);
        const names = m.map((x, i) => user(x, `members[${i}]`));
        const at = await addressesFrom(path, names);
        const r = await groups.add(as, name, names.map((n) => ({ name: n, address: at[n] })));
        return { ...infoJson(r.info), deliveries: deliveriesJson(r.deliveries) };
      }
      case 'group.remove': {
        const who = user(p['member'], 'member');
        await learn();
        const r = await groups.remove(as, name, who);
        return { ...infoJson(r.info), deliveries: deliveriesJson(r.deliveries) };
      }
      case 'group.leave': {
        await learn();
        const r = await groups.leave(as, name);
        return { ...infoJson(r.info), deliveries: deliveriesJson(r.deliveries) };
      }
      case 'group.send': {
        const text = str(p, 'text');
        if (text === '') throw bad('"text" must not be empty');
        await learn();
        return { deliveries: deliveriesJson((await groups.send(as, name, text)).deliveries) };
      }
      default:
        throw new RpcFailure(RpcCode.METHOD_NOT_FOUND, `no method "${req.method}"`);
    }
  } catch (e) {
    if (e instanceof RpcFailure) throw e;
    const x = explain(e, fail);
    throw new RpcFailure(RpcCode.FAILED, x.sentence, { code: x.code, exit: x.exit, sentence: x.sentence });
  }
}
