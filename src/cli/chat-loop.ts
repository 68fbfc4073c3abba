/**
 * The interactive conversation (`chat`, and the end of the interactive flow): both
 * directions at once. Each line typed is sent; what the peer writes appears as it arrives;
 * receipts are shown. `/quit`, `/verify`, `/help`; a line starting with `//` sends the rest
 * starting with `/`. On a terminal a line editor keeps the prompt tidy around incoming lines.
 * At the end of piped input the loop waits for the outstanding receipts, then closes — or, on
 * the side that was called, keeps receiving until the caller leaves.
 */
import { createInterface, type Interface } from 'node:readline';
import { formatFingerprint, keyFingerprint, safetyNumber } from '../identity/index.js';
import type { Conversation } from '../chat/conversation.js';
import type { Cli } from './context.js';
import { explain } from '../app/errors-text.js';
import { ExitCode } from '../app/exit-codes.js';
import type { ConversationLog } from '../app/log-sink.js';
import { sendText, showHistory, watch, type Ended } from './session.js';
import { DEFAULT_HISTORY } from '../app/history.js';
import type { Self } from '../app/self.js';

import { DRAIN_TIMEOUT_MS } from '../limits.js';
export { DRAIN_TIMEOUT_MS };

const HELP = [
  'type a line and press Enter to send it',
  '/verify  show the safety number to compare with the peer',
  '/quit    end the conversation (Ctrl-C or Ctrl-D too)',
  '/help    this help',
];

export interface ChatOptions {
  /** A first message to send at once. */
  readonly first?: string;
  /** A question to ask for the first message, once the conversation is watched (the interactive flow). */
  readonly askFirst?: string;
  /**
   * We are the side that was called (we listened). When our piped input ends we have nothing
   * more to say, but the caller may: keep receiving until they leave, rather than closing on
   * them while their messages are in flight (those would arrive without a receipt).
   */
  readonly answering?: boolean;
  /** How many earlier messages with the peer to show first (from the log). */
  readonly history?: number;
}

export async function chatLoop(cli: Cli, self: Self, conv: Conversation, log: ConversationLog, opts: ChatOptions = {}): Promise<ExitCode> {
  const peer = conv.info.peer.name;
  const sent = new Map<number, string>();
  const shown = showHistory(cli, self.dir, peer, opts.history ?? DEFAULT_HISTORY);
  const ended = watch(cli, conv, log, sent, shown);
  await shown;
  const outstanding = new Set<Promise<void>>();
  let quitting = false;

  const send = async (text: string): Promise<void> => {
    const { id, logged } = sendText(conv, log, sent, text);
    cli.out.event({ event: 'sent', to: peer, id, text });
    if (!cli.input.isTTY) cli.out.status(`sent #${id}`);
    await logged;
    const p = conv.waitReceipt(id).catch(() => undefined);
    outstanding.add(p);
    void p.finally(() => outstanding.delete(p));
  };

  const command = async (line: string): Promise<'quit' | 'ok'> => {
    const t = line.trim();
    if (t === '') return 'ok';
    if (t.startsWith('/') && !t.startsWith('//')) {
      const [word] = t.split(/\s+/);
      switch (word) {
        case '/quit':
        case '/exit':
          return 'quit';
        case '/help':
          for (const h of HELP) cli.out.line(h);
          return 'ok';
        case '/verify': {
          const sn = safetyNumber({ name: self.name, publicKey: self.identity.publicKey }, { name: peer, publicKey: conv.info.peer.identityKey });
          const fp = keyFingerprint(conv.info.peer.identityKey);
          cli.out.line(`safety number of ${self.name} and ${peer} (compare it with ${peer}'s, then run \`securechat verify ${peer} --mark\`):`);
          cli.out.line(sn.display, { event: 'safety-number', peer, fingerprint: fp, digits: sn.digits });
          cli.out.line(`${peer}'s key: ${formatFingerprint(fp)} (${conv.info.peerState})`);
          return 'ok';
        }
        default:
          cli.out.status(`unknown command ${word ?? ''}; /help lists them (start a message with // to send a leading /)`);
          return 'ok';
      }
    }
    await send(line.startsWith('//') ? line.slice(1) : line);
    return 'ok';
  };

  let rl: Interface | undefined;
  const stopInput = (): void => {
    rl?.close();
    cli.input.close();
  };

  const reading = (async (): Promise<'quit' | 'eof' | 'interrupted'> => {
    if (opts.first !== undefined && opts.first !== '') await command(opts.first);
    if (opts.askFirst !== undefined) {
      cli.out.prompt(`${opts.askFirst}: `);
      const line = await cli.input.readLine();
      if (!cli.input.isTTY) cli.out.prompt('\n');
      if (line === null) return 'eof';
      if (line.trim() !== '' && (await command(line)) === 'quit') return 'quit';
    }
    if (cli.input.isTTY) {
      const leftover = cli.input.detach();
      const editor = createInterface({ input: process.stdin, output: process.stderr, terminal: true, prompt: `${self.name}> `, historySize: 100 });
      rl = editor;
      return new Promise((resolve) => {
        // Every line (typed ahead or typed now) goes through one chain, in order; the listener
        // is attached before anything is awaited so that no line is lost.
        let chain = Promise.resolve();
        const handle = (line: string, prompt: boolean): void => {
          chain = chain.then(async () => {
            if (quitting) return;
            try {
              if ((await command(line)) === 'quit') {
                quitting = true;
                resolve('quit');
                return;
              }
            } catch (e) {
              cli.out.status(explain(e, cli.fail).sentence);
            }
            if (!quitting && prompt) editor.prompt();
          });
        };
        editor.on('line', (line) => handle(line, true));
        editor.on('SIGINT', () => resolve('interrupted'));
        editor.on('close', () => resolve(quitting ? 'quit' : 'eof'));
        cli.out.status(`type a message and press Enter; /help lists commands, /quit ends`);
        cli.out.setGuard({
          before: () => {
            process.stderr.write('\r\u001b[2K');
          },
          after: () => editor.prompt(true),
        });
        for (const l of Buffer.from(leftover).toString('utf8').split(/\r?\n/)) if (l !== '') handle(l, false);
        chain = chain.then(() => {
          if (!quitting) editor.prompt();
        });
      });
    }
    for (;;) {
      const line = await cli.input.readLine();
      if (line === null) return 'eof';
      if (quitting) return 'quit';
      try {
        if ((await command(line)) === 'quit') return 'quit';
      } catch (e) {
        cli.out.status(explain(e, cli.fail).sentence);
      }
    }
  })();

  const outcome = await Promise.race([reading, ended.then((e): Ended => e)]);
  if (typeof outcome === 'object') {
    // The conversation ended first: the peer left or the connection dropped.
    quitting = true;
    stopInput();
    cli.out.setGuard(undefined);
    if (outcome.error === undefined) {
      cli.out.status(`${peer} left the conversation`, { event: 'closed', peer, reason: outcome.reason });
      return ExitCode.OK;
    }
    const x = explain(outcome.error, cli.fail);
    cli.out.error(`the connection to ${peer} dropped: ${x.sentence}`, { event: 'error', code: x.code, exit: x.exit, message: x.sentence });
    return x.exit;
  }
  quitting = true;
  if (outcome === 'eof') {
    // Piped input ended: let the receipts for what we sent arrive, then leave.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...outstanding]),
      ended,
      new Promise<void>((r) => {
        timer = setTimeout(r, DRAIN_TIMEOUT_MS);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    if (opts.answering === true && conv.isOpen) {
      const e = await ended;
      stopInput();
      cli.out.setGuard(undefined);
      if (e.error === undefined) {
        cli.out.status(`${peer} left the conversation`, { event: 'closed', peer, reason: e.reason });
        return ExitCode.OK;
      }
      const x = explain(e.error, cli.fail);
      cli.out.error(`the connection to ${peer} dropped: ${x.sentence}`, { event: 'error', code: x.code, exit: x.exit, message: x.sentence });
      return x.exit;
    }
  }
  stopInput();
  cli.out.setGuard(undefined);
  if (conv.isOpen) await conv.close().catch(() => undefined);
  const e = await ended;
  cli.out.status(`conversation with ${peer} ended`, { event: 'closed', peer, reason: 'local' });
  if (outcome === 'interrupted') {
    // What the README promises for Ctrl-C, wherever it is pressed.
    cli.out.notice('interrupted', { event: 'error', code: 'CANCELLED', exit: ExitCode.INTERRUPTED, message: 'interrupted' });
    return ExitCode.INTERRUPTED;
  }
  if (e.error !== undefined) return explain(e.error, cli.fail).exit;
  return ExitCode.OK;
}
