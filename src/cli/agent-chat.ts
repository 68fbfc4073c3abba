/**
 * `chat --to NAME` as a client of the agent: the agent opens (or joins) the conversation and
 * keeps it while this command runs; what arrives on any of the user's conversations is shown;
 * each line typed is written through the agent (`say`) and marked delivered by its receipt.
 * `@carol hi` writes to carol, `/to carol` switches, `/verify`, `/help`, `/quit`. At the end
 * of piped input the outstanding receipts are awaited, then the conversation is released.
 */
import { createInterface } from 'node:readline';
import { AgentError, type AgentClient } from '../agent/client.js';
import type { JsonObject } from '../agent/rpc.js';
import { wipe } from '../crypto/bytes.js';
import { formatFingerprint, keyFingerprint, loadIdentity, loadKnownPeers, safetyNumber, userPaths } from '../identity/index.js';
import { ExitCode } from '../app/exit-codes.js';
import type { Target } from '../app/target.js';
import { agentFor, eventPrinter, isPasswordNeeded, reportFailure, showProgress } from './agent-link.js';
import { DRAIN_TIMEOUT_MS } from './chat-loop.js';
import type { Cli } from './context.js';
import { showHistory } from './session.js';

const HELP = [
  'type a line and press Enter to send it',
  '@NAME TEXT  write to NAME instead (another conversation of yours)',
  '/to NAME    from now on, lines go to NAME',
  '/verify     show the safety number to compare with the peer',
  '/quit       end the conversation (Ctrl-C or Ctrl-D too)',
  '/help       this help',
];

export interface AgentChatOptions {
  readonly as: string;
  readonly target: Target;
  readonly usersPath: string | undefined;
  readonly history: number;
  /** `--accept-ksf`: accept more password hashing work than at the first login with the target. */
  readonly acceptKsf?: boolean;
  /** A question to ask for the first message once the conversation is open (the interactive flow). */
  readonly askFirst?: string;
  /** How many times a wrong password is asked (the interactive flow on a terminal: 3). */
  readonly passwordTries?: number;
}

async function open(cli: Cli, agent: AgentClient, o: AgentChatOptions): Promise<string> {
  const params = {
    as: o.as,
    to: { account: o.target.account, host: o.target.host, port: o.target.port },
    ...(o.usersPath === undefined ? {} : { users: o.usersPath }),
    ...(o.acceptKsf === true ? { acceptKsf: true } : {}),
  };
  const progress = (p: JsonObject): void => showProgress(cli, p);
  let r;
  try {
    r = await agent.call('open', params, progress);
  } catch (e) {
    if (!isPasswordNeeded(e)) throw e;
    const tries = o.passwordTries ?? 1;
    for (let attempt = 1; ; attempt++) {
      const pw = await cli.password(`password of ${o.target.account}: `);
      const password = Buffer.from(pw).toString('base64');
      wipe(pw);
      try {
        r = await agent.call('open', { ...params, password }, progress);
        break;
      } catch (e2) {
        const code = e2 instanceof AgentError ? e2.error.data?.['code'] : undefined;
        if (attempt >= tries || code !== 'AUTH_FAILED' || !(e2 instanceof AgentError)) throw e2;
        cli.out.status(`${e2.message} (${tries - attempt} more tr${tries - attempt === 1 ? 'y' : 'ies'})`);
      }
    }
  }
  const peer = typeof r === 'object' && r !== null && !Array.isArray(r) ? (r as JsonObject)['peer'] : undefined;
  return typeof peer === 'string' ? peer : o.target.account;
}

async function verifyLines(cli: Cli, as: string, peer: string): Promise<void> {
  const dir = userPaths(cli.home(), as).dir;
  const [identity, known] = await Promise.all([loadIdentity(dir), loadKnownPeers(dir)]);
  const rec = known.peers.get(peer);
  if (rec === undefined) {
    cli.out.status(`there is no key for ${peer} yet`);
    return;
  }
  const sn = safetyNumber({ name: as, publicKey: identity.publicKey }, { name: peer, publicKey: rec.key });
  const fp = keyFingerprint(rec.key);
  cli.out.line(`safety number of ${as} and ${peer} (compare it with ${peer}'s, then run \`securechat verify ${peer} --mark --as ${as}\`):`);
  cli.out.line(sn.display, { event: 'safety-number', peer, fingerprint: fp, digits: sn.digits });
  cli.out.line(`${peer}'s key: ${formatFingerprint(fp)} (${rec.verified ? 'verified' : 'pinned'})`);
}

export async function agentChat(cli: Cli, o: AgentChatOptions): Promise<ExitCode> {
  const agent = await agentFor(cli);
  // History first, read from the log before anything new arrives.
  await showHistory(cli, userPaths(cli.home(), o.as).dir, o.target.account, o.history);
  let peer = o.target.account;
  let ended: (c: ExitCode) => void = () => undefined;
  const over = new Promise<ExitCode>((r) => {
    ended = r;
  });
  const { show } = eventPrinter(cli);
  agent.onEvent((p) => {
    const e = p['event'];
    const ev = typeof e === 'object' && e !== null && !Array.isArray(e) ? (e as JsonObject) : {};
    if (ev['event'] === 'closed' && ev['peer'] === peer) {
      if (ev['code'] === undefined) {
        cli.out.status(`${peer} left the conversation`, { event: 'closed', peer, reason: 'peer' });
        ended(ExitCode.OK);
      } else {
        const sentence = typeof ev['message'] === 'string' ? ev['message'] : 'the connection ended';
        const code = typeof ev['code'] === 'string' ? ev['code'] : 'CONNECTION_LOST';
        const exit = typeof ev['exit'] === 'number' ? ev['exit'] : ExitCode.NETWORK;
        cli.out.error(`the connection to ${peer} dropped: ${sentence}`, { event: 'error', code, exit, message: sentence });
        ended(Object.values(ExitCode).includes(exit as ExitCode) ? (exit as ExitCode) : ExitCode.NETWORK);
      }
      return;
    }
    show(p);
  });
  let leaving = false;
  agent.onClose(() => {
    if (leaving) return;
    cli.out.error('the agent stopped, so the conversation ended', { event: 'error', code: 'CONNECTION_LOST', exit: ExitCode.NETWORK, message: 'the agent stopped' });
    ended(ExitCode.NETWORK);
  });
  await agent.call('subscribe', { as: o.as });
  try {
    peer = await open(cli, agent, o);
  } catch (e) {
    if (e instanceof AgentError) return reportFailure(cli, e);
    throw e;
  }
  cli.fail.established = true;
  const to = { account: o.target.account, host: o.target.host, port: o.target.port };
  const release = async (): Promise<void> => {
    await agent.call('close', { as: o.as, to }).catch(() => undefined);
  };
  cli.onCleanup(release);

  const outstanding = new Set<Promise<unknown>>();
  let current = peer;
  const command = async (line: string): Promise<'quit' | 'ok'> => {
    const t = line.trim();
    if (t === '') return 'ok';
    if (t === '/quit' || t === '/exit') return 'quit';
    if (t === '/help') {
      for (const h of HELP) cli.out.line(h);
      return 'ok';
    }
    if (t === '/verify') {
      await verifyLines(cli, o.as, current);
      return 'ok';
    }
    const sw = /^\/to\s+(\S+)$/.exec(t);
    if (sw !== null) {
      current = sw[1] ?? current;
      cli.out.status(`lines now go to ${current}`);
      return 'ok';
    }
    if (t.startsWith('/') && !t.startsWith('//')) {
      cli.out.status(`unknown command ${t.split(/\s+/)[0] ?? ''}; /help lists them (start a message with // to send a leading /)`);
      return 'ok';
    }
    const at = /^@(\S+)\s+([\s\S]+)$/.exec(line.trimStart());
    const who = at !== null ? (at[1] ?? current) : current;
    const text = at !== null ? (at[2] ?? '') : line.startsWith('//') ? line.slice(1) : line;
    const p = agent.call('say', { as: o.as, peer: who, text }, (x) => showProgress(cli, x)).catch((e: unknown) => {
      if (e instanceof AgentError) reportFailure(cli, e);
    });
    outstanding.add(p);
    void p.finally(() => outstanding.delete(p));
    return 'ok';
  };

  const reading = (async (): Promise<'quit' | 'eof' | 'interrupted'> => {
    if (o.askFirst !== undefined) {
      cli.out.prompt(`${o.askFirst}: `);
      const line = await cli.input.readLine();
      if (!cli.input.isTTY) cli.out.prompt('\n');
      if (line === null) return 'eof';
      if ((await command(line)) === 'quit') return 'quit';
    }
    if (cli.input.isTTY) {
      const leftover = cli.input.detach();
      const editor = createInterface({ input: process.stdin, output: process.stderr, terminal: true, prompt: `${o.as}> `, historySize: 100 });
      cli.onCleanup(() => editor.close());
      return new Promise((resolve) => {
        let chain = Promise.resolve();
        const handle = (line: string, prompt: boolean): void => {
          chain = chain.then(async () => {
            if ((await command(line)) === 'quit') resolve('quit');
            else if (prompt) editor.prompt();
          });
        };
        editor.on('line', (line) => handle(line, true));
        editor.on('SIGINT', () => resolve('interrupted'));
        editor.on('close', () => resolve('eof'));
        cli.out.status('type a message and press Enter; /help lists commands, /quit ends');
        cli.out.setGuard({ before: () => process.stderr.write('\r\u001b[2K'), after: () => editor.prompt(true) });
        for (const l of Buffer.from(leftover).toString('utf8').split(/\r?\n/)) if (l !== '') handle(l, false);
        chain = chain.then(() => editor.prompt());
      });
    }
    for (;;) {
      const line = await cli.input.readLine();
      if (line === null) return 'eof';
      if ((await command(line)) === 'quit') return 'quit';
    }
  })();

  const outcome = await Promise.race([reading, over]);
  cli.out.setGuard(undefined);
  leaving = true;
  if (typeof outcome === 'number') return outcome;
  if (outcome === 'eof') {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...outstanding]), over, new Promise<void>((r) => {
      timer = setTimeout(r, DRAIN_TIMEOUT_MS);
      timer.unref();
    })]);
    clearTimeout(timer);
  }
  await release();
  cli.out.status(`conversation with ${peer} ended`, { event: 'closed', peer, reason: 'local' });
  if (outcome === 'interrupted') {
    cli.out.notice('interrupted', { event: 'error', code: 'CANCELLED', exit: ExitCode.INTERRUPTED, message: 'interrupted' });
    return ExitCode.INTERRUPTED;
  }
  return ExitCode.OK;
}
