/**
 * `securechat` with no command: the original program's interactive flow, kept. It asks for
 * the users file, your port, receive or send; to send, whether you know the username (then
 * it) or not (then IP and port); the password; the first message. Then, unlike the original,
 * it stays in the conversation (as `chat --to` does); a receiver serves everyone who connects
 * and stays up when one leaves (as `chat --listen` does). Both run in the user's agent. The legacy protocol is only an explicit
 * extra choice. Each handshake step is one short line (`-q` quiets them).
 */
import { resolve } from 'node:path';
import { isSecureChatError, localError } from '../../errors.js';
import { findUserByPort, formatAddress, type UsersFile } from '../../identity/index.js';
import { parsePort } from '../args.js';
import type { Command } from '../command.js';
import type { Cli } from '../context.js';
import { runLegacyListen, runLegacySend } from '../legacy.js';
import { parseAddress, resolveTarget, type Target } from '../../app/target.js';
import { agentChat } from '../agent-chat.js';
import { DEFAULT_HISTORY } from '../../app/history.js';
import { explain } from '../../app/errors-text.js';

/** How many times a wrong password is asked again on a terminal. */
import { PASSWORD_TRIES } from '../../limits.js';
import { exampleUsers } from '../examples.js';

/** Asks one question on stderr; the answer is the next input line (a blank line takes `def`). */
async function ask(cli: Cli, question: string, def?: string): Promise<string> {
  cli.out.prompt(def !== undefined && def !== '' ? `${question} [${def}]: ` : `${question}: `);
  const line = await cli.input.readLine();
  if (!cli.input.isTTY) cli.out.prompt('\n');
  if (line === null) throw localError('CANCELLED', 'the input ended at a question');
  const t = line.trim();
  return t === '' && def !== undefined ? def : t;
}

async function askUntil<T>(cli: Cli, question: string, def: string | undefined, parse: (s: string) => T | undefined, hint: string): Promise<T> {
  for (let i = 0; i < 5; i++) {
    const v = parse(await ask(cli, question, def));
    if (v !== undefined) return v;
    cli.out.status(hint);
    if (!cli.input.isTTY) break;
  }
  throw localError('USAGE', hint);
}

function portOf(s: string): number | undefined {
  try {
    return parsePort(s, 'the port');
  } catch {
    return undefined;
  }
}

type Mode = 'receive' | 'send';

async function askMode(cli: Cli): Promise<{ mode: Mode; legacy: boolean }> {
  const pick = (s: string): Mode | 'legacy' | undefined => {
    const t = s.toLowerCase();
    if (t === 'r' || t === 'receive') return 'receive';
    if (t === 's' || t === 'send') return 'send';
    if (t === 'legacy') return 'legacy';
    return undefined;
  };
  const first = await askUntil(cli, 'receive or send? (r/s; "legacy" for the original, insecure protocol)', undefined, pick, 'answer r to receive or s to send');
  if (first !== 'legacy') return { mode: first, legacy: false };
  const again = await askUntil(cli, 'legacy protocol (insecure): receive or send? (r/s)', undefined, (s) => {
    const m = pick(s);
    return m === 'legacy' ? undefined : m;
  }, 'answer r to receive or s to send');
  return { mode: again, legacy: true };
}

async function askTarget(cli: Cli, users: UsersFile): Promise<Target> {
  const yn = await askUntil(cli, 'do you know the username? (y/n)', 'y', (s) => (/^y(es)?$/i.test(s) ? true : /^no?$/i.test(s) ? false : undefined), 'answer y or n');
  if (yn) {
    // A typo re-asks on a terminal (the sentence names the users in the file).
    for (let attempt = 1; ; attempt++) {
      const name = await ask(cli, 'username');
      try {
        if (name === '') throw localError('USAGE', 'no username was given');
        return resolveTarget(name, users);
      } catch (e) {
        if (!cli.input.isTTY || attempt >= 5 || !isSecureChatError(e) || (e.code !== 'UNKNOWN_USER' && e.code !== 'USAGE')) throw e;
        cli.out.status(explain(e, cli.fail).sentence);
      }
    }
  }
  const ip = await ask(cli, 'IP address', '127.0.0.1');
  const port = await askUntil(cli, 'port', undefined, portOf, 'the port is a number from 1 to 65535');
  const addr = `${ip.includes(':') ? `[${ip}]` : ip}:${port}`;
  if (parseAddress(addr) === undefined) throw localError('USAGE', `"${ip}" is not an IP address or host name`);
  try {
    return resolveTarget(addr, users);
  } catch (e) {
    if (!isSecureChatError(e) || e.code !== 'UNKNOWN_USER') throw e;
    const name = await ask(cli, `nobody in the users file listens at ${formatAddress(ip, port)}; the username of whoever does`);
    if (name === '') throw localError('USAGE', 'no username was given');
    return { account: name, host: ip, port };
  }
}

export const interactiveCommand: Command = {
  name: '',
  summary: 'the interactive flow',
  help: '',
  options: {},
  positionals: 0,
  async run(cli) {
    cli.out.status('interactive mode: answer each question (Enter takes the default in brackets; Ctrl-C quits)');
    const def = (await cli.usersPath()) ?? (await exampleUsers()) ?? resolve('users.json');
    const path = await ask(cli, 'path of the users file', def);
    cli.setUsersPath(path);
    const users = await cli.users(true);
    const port = await askUntil(cli, 'your port', undefined, portOf, 'the port is a number from 1 to 65535');
    cli.fail.port = port;
    const me = findUserByPort(users, port);
    cli.out.status(`you are ${me.username} (${formatAddress(me.ip, me.port)})`, { event: 'self', name: me.username, port });
    const { mode, legacy } = await askMode(cli);
    if (legacy) {
      if (mode === 'receive') return runLegacyListen(cli, me.username, me, me.ip, port, true);
      const target = await askTarget(cli, users);
      const text = await ask(cli, 'message');
      return runLegacySend(cli, target, text, me.username);
    }
    cli.fail.user = me.username;
    if (mode === 'receive') {
      // Through the agent, as `chat --listen`: everyone who connects is served; when someone
      // leaves it says so and keeps listening (v1 quit); a second receiver as the same user joins.
      return agentChat(cli, { as: me.username, listen: { host: me.ip, port, usersPath: users.path }, usersPath: users.path, history: DEFAULT_HISTORY });
    }
    const target = await askTarget(cli, users);
    cli.fail.peer = target.account;
    // Through the agent, as `chat --to`: the password is checked (the conversation opened)
    // before the first message is asked for; on a terminal a wrong one is asked again.
    return agentChat(cli, {
      as: me.username,
      target,
      usersPath: users.path,
      history: DEFAULT_HISTORY,
      askFirst: 'message (then keep typing to chat; /quit ends)',
      passwordTries: cli.input.isTTY ? PASSWORD_TRIES : 1,
    });
  },
};

