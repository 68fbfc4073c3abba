/**
 * The receiving side of `chat --listen` and the interactive flow, as a client of the agent:
 * the user's listener runs in the agent (one per user, serving every peer at once); this
 * command holds it while it runs. When the user already listens (another terminal), this one
 * joins that listener instead of failing. A user with no registered password is asked for
 * one, which is registered here (as `securechat init` does), and listening is tried again.
 */
import { AgentError, type AgentClient } from '../agent/client.js';
import type { JsonObject } from '../agent/rpc.js';
import { wipe } from '../crypto/bytes.js';
import { ensureUserDir, formatAddress, loadOrCreateIdentity, registerAccount } from '../identity/index.js';
import type { Cli } from './context.js';
import { showProgress } from './agent-link.js';

export interface ListenSpec {
  readonly host: string | undefined;
  readonly port: number;
  readonly usersPath: string | undefined;
}

export interface Receiving {
  /** Where the listener accepts connections, as a person reads it. */
  readonly where: string;
  readonly host: string;
  readonly port: number;
  /** Another client of the agent (another terminal) already held this user's listener. */
  readonly joined: boolean;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The listener of `as` the agent already runs, if any (`status`). */
async function runningListener(agent: AgentClient, as: string): Promise<JsonObject | undefined> {
  const s = await agent.call('status', {});
  const list = isObject(s) && Array.isArray(s['listening']) ? s['listening'] : [];
  return list.filter(isObject).find((l) => l['user'] === as);
}

/** Asks for `as`'s password (twice on a terminal) and registers it. */
async function register(cli: Cli, as: string): Promise<void> {
  const pw = await cli.password(`your password (others use it to reach ${as}): `, true);
  try {
    const paths = await ensureUserDir(cli.home(), as);
    await loadOrCreateIdentity(paths.dir);
    await registerAccount(paths.dir, as, pw, cli.ksf());
  } finally {
    wipe(pw);
  }
  cli.out.status(`registered ${as}'s password (as \`securechat init --user ${as}\` does)`);
}

/** Starts (or joins) `as`'s listener in the agent; released at exit. Throws the agent's failure. */
export async function startReceiving(cli: Cli, agent: AgentClient, as: string, spec: ListenSpec): Promise<Receiving> {
  const already = await runningListener(agent, as);
  const params = { as, port: spec.port, ...(spec.host === undefined ? {} : { host: spec.host }), ...(spec.usersPath === undefined ? {} : { users: spec.usersPath }) };
  const listen = (): Promise<unknown> => agent.call('listen', params, (p) => showProgress(cli, p));
  let r;
  try {
    r = await listen();
  } catch (e) {
    if (!(e instanceof AgentError) || e.error.data?.['code'] !== 'NOT_INITIALISED') throw e;
    await register(cli, as);
    r = await listen();
  }
  cli.onCleanup(async () => {
    await agent.call('unlisten', { as }).catch(() => undefined);
  });
  const o = isObject(r) ? r : {};
  const host = typeof o['host'] === 'string' ? o['host'] : (spec.host ?? '127.0.0.1');
  const port = typeof o['port'] === 'number' ? o['port'] : spec.port;
  return { where: formatAddress(host, port), host, port, joined: already !== undefined };
}
