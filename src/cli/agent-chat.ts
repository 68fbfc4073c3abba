/**
 * `chat` (both `--to` and `--listen`) and the interactive flow's conversation, as a client of
 * the agent, which holds every conversation of the user: the one this command opens (`--to`:
 * `open`, held until this command ends), the ones that come in to the user's listener
 * (`--listen`: `listen`, held likewise), and any other the user has open. What arrives on any of
 * them is shown prefixed by the peer; each conversation that comes in starts with its history.
 * Lines typed go to the current peer through `say` (`@bob hi`, `/to carol`: src/cli/chat-input.ts)
 * and are marked delivered by their receipt.
 *
 * When the peer of `--to` leaves, the chat ends. A receiver stays up when a peer leaves (it
 * says so and keeps listening) until `/quit`, Ctrl-C or Ctrl-D; at the end of piped input it
 * stays until the conversations open then (at least one) have ended.
 */
import { AgentError, type AgentClient } from '../agent/client.js';
import type { JsonObject } from '../agent/rpc.js';
import { wipe } from '../crypto/bytes.js';
import { formatFingerprint, keyFingerprint, loadIdentity, loadKnownPeers, safetyNumber, userPaths } from '../identity/index.js';
import { ExitCode } from '../app/exit-codes.js';
import type { Target } from '../app/target.js';
import { DRAIN_TIMEOUT_MS } from '../limits.js';
import { agentFor, eventPrinter, isPasswordNeeded, reportFailure, showProgress } from './agent-link.js';
import { startReceiving, type ListenSpec } from './agent-receive.js';
import { CHAT_HELP, parseChatLine, readChatLines, type ReadEnd } from './chat-input.js';
import type { Cli } from './context.js';
import { showHistory } from './history-view.js';

export interface AgentChatOptions {
  readonly as: string;
  /** Whom to connect to (`chat --to`, the interactive "send"). */
  readonly target?: Target;
  /** Where to listen (`chat --listen`, the interactive "receive"). */
  readonly listen?: ListenSpec;
  readonly usersPath: string | undefined;
  readonly history: number;
  /** `--accept-ksf`: accept more password hashing work than at the first login with the target. */
  readonly acceptKsf?: boolean;
  /** A question to ask for the first message once the conversation is open (the interactive flow). */
  readonly askFirst?: string;
  /** How many times a wrong password is asked (the interactive flow on a terminal: 3). */
  readonly passwordTries?: number;
}

/** Where `peer` listens, from the users file; undefined when it does not list them (or there is none). */
async function addressOf(cli: Cli, peer: string): Promise<Target | undefined> {
  const users = await cli.users(false).catch(() => undefined);
  const u = users?.users.find((x) => x.username === peer);
  return u === undefined ? undefined : { account: peer, host: u.ip, port: u.port };
}

function toParams(t: Target): JsonObject {
  return { account: t.account, host: t.host, port: t.port };
}

/** Opens (or joins) the conversation to `target`, asking for the password when the agent needs it. */
async function open(cli: Cli, agent: AgentClient, o: AgentChatOptions, target: Target): Promise<string> {
  const params = { as: o.as, to: toParams(target), ...(o.usersPath === undefined ? {} : { users: o.usersPath }), ...(o.acceptKsf === true ? { acceptKsf: true } : {}) };
  const progress = (p: JsonObject): void => showProgress(cli, p);
  let r;
  try {
    r = await agent.call('open', params, progress);
  } catch (e) {
    if (!isPasswordNeeded(e)) throw e;
    const tries = o.passwordTries ?? 1;
    for (let attempt = 1; ; attempt++) {
      const pw = await cli.password(`password of ${target.account}: `);
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
  return typeof peer === 'string' ? peer : target.account;
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

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function exitOf(v: unknown): ExitCode {
  return (Object.values(ExitCode) as unknown[]).includes(v) ? (v as ExitCode) : ExitCode.NETWORK;
}

export async function agentChat(cli: Cli, o: AgentChatOptions): Promise<ExitCode> {
  const agent = await agentFor(cli);
  let finish: (c: ExitCode) => void = () => undefined;
  const over = new Promise<ExitCode>((r) => {
    finish = r;
  });
  let leaving = false;
  let where = '';
  let targetPeer = o.target?.account;
  /** The peer plain lines go to; after `/to`, chosen; else the target, or whoever came or wrote last. */
  let chosen: string | undefined;
  let last: string | undefined;
  const current = (): string | undefined => chosen ?? targetPeer ?? last;
  const openPeers = new Set<string>();
  let seen = false;
  let inputEnded = false;
  const { show } = eventPrinter(cli);

  const peerLeft = (peer: string, ev: JsonObject): void => {
    openPeers.delete(peer);
    if (chosen === peer) chosen = undefined;
    if (last === peer) last = [...openPeers].at(-1);
    const code = str(ev['code']);
    const message = str(ev['message']) ?? 'the connection ended';
    if (o.listen === undefined && peer === targetPeer) {
      if (code === undefined) cli.out.status(`${peer} left the conversation`, { event: 'closed', peer, reason: 'peer' });
      else cli.out.error(`the connection to ${peer} dropped: ${message}`, { event: 'error', code, exit: exitOf(ev['exit']), message });
      finish(code === undefined ? ExitCode.OK : exitOf(ev['exit']));
      return;
    }
    const still = o.listen === undefined || inputEnded ? '' : `; still listening on ${where}`;
    if (code === undefined) cli.out.status(`${peer} left the conversation${still}`, { ...ev, event: 'closed' });
    else cli.out.warn(`the connection to ${peer} dropped: ${message}${still}`, { ...ev, event: 'closed' });
    if (inputEnded && o.listen !== undefined && openPeers.size === 0) finish(ExitCode.OK);
  };

  // Events are shown in order; a conversation that came in shows its history before its messages.
  let shown = Promise.resolve();
  agent.onEvent((p) => {
    shown = shown.then(async () => {
      if (leaving) return;
      const ev = typeof p['event'] === 'object' && p['event'] !== null && !Array.isArray(p['event']) ? (p['event'] as JsonObject) : {};
      const peer = str(ev['name']) ?? str(ev['from']) ?? str(ev['peer']);
      if (ev['event'] === 'closed' && peer !== undefined) return peerLeft(peer, ev);
      show(p);
      if (ev['event'] === 'peer' && peer !== undefined) {
        openPeers.add(peer);
        seen = true;
        last = peer;
        await showHistory(cli, agent, o.as, peer, o.history, str(ev['at']));
      } else if (ev['event'] === 'message' && peer !== undefined) last = peer;
    }).catch(() => undefined);
  });
  agent.onClose(() => {
    if (leaving) return;
    cli.out.error('the agent stopped, so the conversations ended (connection lost); start this command again', { event: 'error', code: 'CONNECTION_LOST', exit: ExitCode.NETWORK, message: 'the agent stopped' });
    finish(ExitCode.NETWORK);
  });
  await agent.call('subscribe', { as: o.as });
  try {
    if (o.listen !== undefined) {
      const r = await startReceiving(cli, agent, o.as, o.listen);
      where = r.where;
      cli.fail.established = true;
      cli.serving = true;
      if (r.joined) cli.out.status(`${o.as} is already listening on ${where} (another terminal of yours); this one shows the same conversations and writes to them too (Ctrl-C stops)`, { event: 'listening', as: o.as, host: r.host, port: r.port, joined: true });
      else cli.out.status(`waiting for someone to connect on ${where} (Ctrl-C stops)`, { event: 'listening', as: o.as, host: r.host, port: r.port });
    }
    if (o.target !== undefined) {
      // History first, read before anything new arrives.
      await showHistory(cli, agent, o.as, o.target.account, o.history);
      targetPeer = await open(cli, agent, o, o.target);
      cli.fail.established = true;
      const to = toParams(o.target);
      cli.onCleanup(async () => {
        await agent.call('close', { as: o.as, to }).catch(() => undefined);
      });
    }
  } catch (e) {
    if (e instanceof AgentError) return reportFailure(cli, e);
    throw e;
  }

  const outstanding = new Set<Promise<unknown>>();
  const handle = async (line: string): Promise<'quit' | 'ok'> => {
    const c = parseChatLine(line);
    switch (c.kind) {
      case 'empty':
        return 'ok';
      case 'quit':
        return 'quit';
      case 'help':
        for (const h of CHAT_HELP) cli.out.line(h);
        return 'ok';
      case 'unknown':
        cli.out.status(`unknown command ${c.word}; /help lists them (start a message with // to send a leading /)`);
        return 'ok';
      case 'to':
        chosen = c.peer;
        cli.out.status(`lines now go to ${c.peer}`, { event: 'target', peer: c.peer });
        return 'ok';
      case 'verify': {
        const peer = c.peer ?? current();
        if (peer === undefined) cli.out.status('with whom? /verify NAME');
        else await verifyLines(cli, o.as, peer);
        return 'ok';
      }
      case 'say': {
        const peer = c.peer ?? current();
        if (peer === undefined) {
          cli.out.status('nobody has connected yet, so there is nobody to write to; wait for someone, or write @NAME TEXT');
          return 'ok';
        }
        // Nobody of that name is connected now (a listener's peer who left): to a contact whose
        // address the users file gives, the line goes through the outbox: delivered by a
        // reconnect by keys now, or queued until they can be reached (issue 11).
        const away = o.listen !== undefined && !openPeers.has(peer) ? await addressOf(cli, peer) : undefined;
        const p = (away === undefined
          ? agent.call('say', { as: o.as, peer, text: c.text }, (x) => showProgress(cli, x))
          : agent.call('send', { as: o.as, to: toParams(away), text: c.text, ...(o.usersPath === undefined ? {} : { users: o.usersPath }) }, (x) => showProgress(cli, x))
        ).catch((e: unknown) => {
          if (isPasswordNeeded(e)) cli.out.status(`${peer} is not connected and not a contact yet (their password is needed): \`securechat chat --to ${peer} --as ${o.as}\` logs in once`);
          else if (e instanceof AgentError) reportFailure(cli, e);
        });
        outstanding.add(p);
        void p.finally(() => outstanding.delete(p));
        return 'ok';
      }
    }
  };

  const reading = (async (): Promise<ReadEnd> => {
    if (o.askFirst !== undefined) {
      cli.out.prompt(`${o.askFirst}: `);
      const line = await cli.input.readLine();
      if (!cli.input.isTTY) cli.out.prompt('\n');
      if (line === null) return 'eof';
      if ((await handle(line)) === 'quit') return 'quit';
    }
    if (cli.input.isTTY) cli.out.status('type a message and press Enter; /help lists commands, /quit ends');
    return readChatLines(cli, () => {
      const to = current();
      return to === undefined ? `${o.as}> ` : `${o.as} to ${to}> `;
    }, handle);
  })();

  let outcome: ReadEnd | ExitCode = await Promise.race([reading, over]);
  if (outcome === 'eof' && !cli.input.isTTY) {
    // Piped input ended: let the receipts for what we sent arrive; a receiver then stays until
    // the conversations open now (at least one) have ended.
    inputEnded = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...outstanding]), over, new Promise<void>((r) => {
      timer = setTimeout(r, DRAIN_TIMEOUT_MS);
      timer.unref();
    })]);
    clearTimeout(timer);
    if (o.listen !== undefined) {
      await shown;
      if (!seen || openPeers.size > 0) outcome = await over;
    }
  }
  leaving = true;
  cli.out.setGuard(undefined);
  if (typeof outcome === 'number') return outcome;
  if (o.target !== undefined) cli.out.status(`conversation with ${targetPeer ?? o.target.account} ended`, { event: 'closed', peer: targetPeer ?? o.target.account, reason: 'local' });
  if (o.listen !== undefined) cli.out.status(`stopped listening on ${where}`, { event: 'stopped', as: o.as });
  if (outcome === 'interrupted') {
    cli.out.notice('interrupted', { event: 'error', code: 'CANCELLED', exit: ExitCode.INTERRUPTED, message: 'interrupted' });
    return ExitCode.INTERRUPTED;
  }
  return ExitCode.OK;
}
