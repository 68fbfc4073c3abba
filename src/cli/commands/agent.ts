/**
 * `securechat agent [run|start|status|stop]`: the one long-lived process of a home (docs/AGENT-API.md).
 * Commands that need it start it on first use; `run` keeps it in the foreground.
 */
import { existsSync } from 'node:fs';
import { AgentClient, selfCommand } from '../../agent/client.js';
import { agentPaths } from '../../agent/paths.js';
import type { JsonObject } from '../../agent/rpc.js';
import { startAgent } from '../../agent/server.js';
import { localError } from '../../errors.js';
import { ExitCode } from '../../app/exit-codes.js';
import { optString } from '../args.js';
import type { Command } from '../command.js';
import type { Cli } from '../context.js';
import type { JsonValue } from '../../app/host.js';

function idleMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,7}$/.test(text) || Number(text) < 1) throw localError('USAGE', `--idle must be a number of seconds from 1, not "${text.slice(0, 20)}"`);
  return Number(text) * 1000;
}

async function run(cli: Cli, idle: number | undefined): Promise<ExitCode> {
  const home = cli.home();
  const r = await startAgent({ home, ksf: cli.ksf(), ...(idle === undefined ? {} : { idleMs: idle }) });
  if (!r.started) {
    cli.out.status(`an agent for ${home} is already running (pid ${r.pid})`, { event: 'agent', state: 'running', pid: r.pid, home });
    return ExitCode.OK;
  }
  process.stdout.on('error', () => undefined); // whoever started us may stop reading
  // What went wrong in the background goes to agent.log (our standard error), with its stack.
  const record = (e: unknown): void => {
    process.stderr.write(`${new Date().toISOString()} agent ${process.pid}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  };
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  cli.onCleanup(() => r.agent.stop());
  cli.out.status(`the agent for ${home} is running (pid ${process.pid}); \`securechat agent stop\` stops it`, { event: 'agent', state: 'ready', pid: process.pid, home, socket: r.agent.paths.socket });
  await r.agent.stopped;
  return ExitCode.OK;
}

async function status(cli: Cli): Promise<ExitCode> {
  const home = cli.home();
  const c = await AgentClient.tryConnect(home);
  if (c === undefined) {
    const stale = existsSync(agentPaths(home).socket);
    const text = stale
      ? `no agent is running for ${home} (the socket of one that crashed is left; the next command replaces it)`
      : `no agent is running for ${home}; the next command that needs it starts it`;
    cli.out.status(text, { event: 'agent', state: 'stopped', home, stale });
    return ExitCode.OK;
  }
  const s = await c.call('status', {});
  c.close();
  const o: JsonObject = typeof s === 'object' && s !== null && !Array.isArray(s) ? (s as JsonObject) : {};
  const convs = Array.isArray(o['conversations']) ? o['conversations'].length : 0;
  const listening = (Array.isArray(o['listening']) ? o['listening'] : []).flatMap((l) => {
    if (typeof l !== 'object' || l === null || Array.isArray(l)) return [];
    const user = (l as JsonObject)['user'];
    return typeof user === 'string' ? [`${user} on port ${JSON.stringify((l as JsonObject)['port'] ?? null)}`] : [];
  });
  const listenText = listening.length === 0 ? '' : `; listening: ${listening.join(', ')}`;
  const waiting = (Array.isArray(o['outbox']) ? o['outbox'] : []).flatMap((b) => {
    const x = typeof b === 'object' && b !== null && !Array.isArray(b) ? (b as JsonObject) : {};
    return typeof x['user'] === 'string' && typeof x['waiting'] === 'number' ? [`${x['waiting']} in ${x['user']}'s`] : [];
  });
  const outboxText = waiting.length === 0 ? '' : `; queued messages: ${waiting.join(', ')} outbox (\`securechat outbox\`)`;
  cli.out.status(`the agent for ${home} is running (pid ${JSON.stringify(o['pid'] ?? null)}, since ${typeof o['startedAt'] === 'string' ? o['startedAt'] : '?'}); ${convs} conversation${convs === 1 ? '' : 's'} opened by sends${listenText}${outboxText}`, { ...(o as Record<string, JsonValue>), event: 'agent', state: 'running' });
  return ExitCode.OK;
}

async function stop(cli: Cli): Promise<ExitCode> {
  const home = cli.home();
  const c = await AgentClient.tryConnect(home);
  if (c === undefined) {
    cli.out.status(`no agent is running for ${home}`, { event: 'agent', state: 'stopped', home });
    return ExitCode.OK;
  }
  const closed = new Promise<void>((r) => c.onClose(r));
  await c.call('stop', {});
  await closed;
  cli.out.status(`stopped the agent for ${home}`, { event: 'agent', state: 'stopped', home });
  return ExitCode.OK;
}

export const agentCommand: Command = {
  name: 'agent',
  summary: 'the background process that holds your conversations (status, stop)',
  help: `usage: securechat agent [status]
       securechat agent stop
       securechat agent start
       securechat agent run [--idle SECONDS]

One agent runs per home: the only process that writes it. \`send\` and the other commands
that talk to peers start it in the background when it is not running, and talk to it over
a socket inside the home (HOME/agent.sock; docs/AGENT-API.md). It exits by itself after
5 minutes with nothing to do.

  status   whether it runs, its pid and open conversations (the default)
  stop     stops it (open conversations are closed properly)
  start    starts it in the background if it is not running
  run      runs it in the foreground (Ctrl-C stops)

options:
  --idle SECONDS   (run) exit after this long with nothing to do (default 300)`,
  options: { idle: { type: 'string' } },
  positionals: 1,
  async run(cli, args) {
    const sub = args.positionals[0] ?? 'status';
    switch (sub) {
      case 'run':
        return run(cli, idleMs(optString(args, 'idle')));
      case 'status':
        return status(cli);
      case 'stop':
        return stop(cli);
      case 'start': {
        const c = await AgentClient.connect(cli.home(), selfCommand(cli.home()));
        c.close();
        return status(cli);
      }
      default:
        throw localError('USAGE', `unknown agent command "${sub}"; use status, stop, start or run; see \`securechat agent --help\``);
    }
  },
};
