/** `securechat listen --as NAME`: receive; serves many peers at once. */
import { localError } from '../../errors.js';
import { formatAddress } from '../../identity/index.js';
import { optBool, optPort, optString } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../../app/exit-codes.js';
import { runLegacyListen } from '../legacy.js';
import { selfName } from '../../app/self.js';
import { AgentError } from '../../agent/client.js';
import type { JsonObject } from '../../agent/rpc.js';
import { agentFor, eventPrinter, reportFailure, showProgress } from '../agent-link.js';
import { replyLoop } from '../reply-loop.js';
import { historyOption, showHistory } from '../history-view.js';


export const listenCommand: Command = {
  name: 'listen',
  summary: 'receive messages; serves many peers at once',
  help: `usage: securechat listen [--as NAME] [--port N] [--host ADDRESS] [--once]
       securechat listen --legacy [--as NAME] [--port N] [--once]

Waits for others to connect with your password and shows who connected (their key: new,
pinned or verified), each message with its time, and when they leave. Every message is
stored in your log before its delivery receipt is sent. Needs your registered password
(\`securechat init\`); if you are not registered but your users-file entry still has a
plaintext password, it is registered now, with a warning. Ctrl-C stops (exit 130).
The listener runs in your agent (started when it is not running): while you listen, \`send\`
as the same user from other terminals works, and each conversation that comes in is served
at once, side by side. What you type goes to them: \`@NAME TEXT\` writes to NAME,
\`/to NAME\` makes NAME the one plain lines go to (at first: whoever connected or wrote
last), /help lists this, /quit stops. With --history N, each conversation that comes in
starts with the last N messages with that peer from your log, marked "history" (default 0:
a listener shows what arrives; \`chat --listen\` shows 20).

options:
  --as NAME        who you are (default: the users-file entry with --port, else the only local user)
  --port N         the port to listen on (default: your users-file entry's; 0 = any free port)
  --host ADDRESS   the address to listen on (default: your users-file entry's, else 127.0.0.1)
  --history N      show the last N messages with each peer who connects (default 0)
  --once           stop after the first conversation ends (exit status: how it ended)
  --legacy         accept the original program's insecure protocol instead (one sender at a time)`,
  options: { as: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, once: { type: 'boolean' }, history: { type: 'string' }, legacy: { type: 'boolean' } },
  positionals: 0,
  async run(cli, args) {
    const users = await cli.users(false);
    const portOpt = optPort(args, 'port', true);
    const name = await selfName(cli, optString(args, 'as'), portOpt, users);
    const once = optBool(args, 'once');
    const historyCount = historyOption(optString(args, 'history'), 0);
    const entry = users?.users.find((u) => u.username === name);
    const port = portOpt ?? entry?.port;
    if (port === undefined) throw localError('USAGE', `on which port should ${name} listen? ${name} is not in the users file; give --port N`);
    cli.fail.port = port;
    const host = optString(args, 'host') ?? entry?.ip;
    if (optBool(args, 'legacy')) return runLegacyListen(cli, name, entry, host, port, once);

    cli.fail.user = name;
    const agent = await agentFor(cli);
    const { firstEnd, show } = eventPrinter(cli);
    let last: string | undefined;
    const lastPeer = (): string | undefined => last;
    // In order: a conversation that came in shows its history (--history) before its messages.
    let shown = Promise.resolve();
    agent.onEvent((p) => {
      const e = p['event'];
      const ev = typeof e === 'object' && e !== null && !Array.isArray(e) ? (e as JsonObject) : {};
      const who = ev['event'] === 'peer' ? ev['name'] : ev['event'] === 'message' ? ev['from'] : undefined;
      if (typeof who === 'string') last = who;
      shown = shown.then(async () => {
        show(p);
        if (ev['event'] === 'peer' && typeof who === 'string') await showHistory(cli, agent, name, who, historyCount, typeof ev['at'] === 'string' ? ev['at'] : undefined);
      }).catch(() => undefined);
    });
    await agent.call('subscribe', { as: name });
    let r: JsonObject;
    try {
      const res = await agent.call('listen', { as: name, port, ...(host === undefined ? {} : { host }), ...(users === undefined ? {} : { users: users.path }) }, (p) => showProgress(cli, p));
      r = typeof res === 'object' && res !== null && !Array.isArray(res) ? (res as JsonObject) : {};
    } catch (e) {
      if (e instanceof AgentError) return reportFailure(cli, e);
      throw e;
    }
    cli.serving = true;
    cli.onCleanup(async () => {
      await agent.call('unlisten', { as: name }).catch(() => undefined);
    });
    const actualPort = typeof r['port'] === 'number' ? r['port'] : port;
    cli.out.status(`${name} is listening on ${formatAddress(host ?? '127.0.0.1', actualPort)}; Ctrl-C stops`, {
      event: 'listening',
      as: name,
      host: host ?? '127.0.0.1',
      port: actualPort,
      fingerprint: typeof r['fingerprint'] === 'string' ? r['fingerprint'] : '',
    });
    const agentGone = new Promise<ExitCode>((resolve) =>
      agent.onClose(() => {
        cli.out.error('the agent stopped, so nobody listens any more; start `securechat listen` again', { event: 'error', code: 'CONNECTION_LOST', exit: ExitCode.NETWORK, message: 'the agent stopped' });
        resolve(ExitCode.NETWORK);
      }),
    );
    const typing = replyLoop(cli, agent, name, lastPeer).then((how) => (how === 'quit' ? ExitCode.OK : new Promise<ExitCode>(() => undefined)));
    if (!once) return Promise.race([agentGone, typing]);
    return Promise.race([firstEnd, agentGone, typing]);
  },
};
