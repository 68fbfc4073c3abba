/**
 * What a person types in a chat, as the SimpleX terminal takes it: a plain line goes to the
 * current peer, `@bob hi` writes one line to bob, `/to carol` makes carol the current peer,
 * `/help`, `/verify [NAME]`, `/quit`; a line starting with `//` sends the rest starting with
 * `/`. `parseChatLine` is pure; `readChatLines` feeds each line (typed on a terminal with a line
 * editor that keeps the prompt tidy around incoming lines, or piped) to a handler, in order.
 */
import { createInterface } from 'node:readline';
import type { Cli } from './context.js';
import { explain } from '../app/errors-text.js';

/** One typed line, understood. */
export type ChatLine =
  | { readonly kind: 'empty' }
  | { readonly kind: 'quit' }
  | { readonly kind: 'help' }
  | { readonly kind: 'verify'; readonly peer?: string }
  | { readonly kind: 'to'; readonly peer: string }
  | { readonly kind: 'say'; readonly peer?: string; readonly text: string }
  | { readonly kind: 'unknown'; readonly word: string };

/** The commands, for `/help`. */
export const CHAT_HELP: readonly string[] = [
  'TEXT         write to the current peer (shown in the prompt)',
  '@NAME TEXT   write this one line to NAME (any conversation of yours that is open)',
  '/to NAME     from now on, plain lines go to NAME',
  '/verify      show the safety number to compare with the current peer (/verify NAME: with NAME)',
  '/quit        leave (Ctrl-C or Ctrl-D too)',
  '/help        this help',
  '//TEXT       write a line that starts with /',
];

const NAME = /^[^\s@/][^\s]*$/;

export function parseChatLine(line: string): ChatLine {
  const t = line.trim();
  if (t === '') return { kind: 'empty' };
  if (t.startsWith('//')) return { kind: 'say', text: line.trimStart().slice(1) };
  if (t.startsWith('/')) {
    const [word = '', arg, ...rest] = t.split(/\s+/);
    if ((word === '/quit' || word === '/exit') && arg === undefined) return { kind: 'quit' };
    if (word === '/help' && arg === undefined) return { kind: 'help' };
    if (word === '/verify' && rest.length === 0 && (arg === undefined || NAME.test(arg))) return arg === undefined ? { kind: 'verify' } : { kind: 'verify', peer: arg };
    if (word === '/to' && arg !== undefined && rest.length === 0 && NAME.test(arg)) return { kind: 'to', peer: arg };
    return { kind: 'unknown', word };
  }
  const at = /^@(\S+)\s+(\S[\s\S]*)$/.exec(line.trimStart());
  if (at !== null && at[1] !== undefined && at[2] !== undefined && NAME.test(at[1])) return { kind: 'say', peer: at[1], text: at[2] };
  return { kind: 'say', text: line };
}

/** How reading ended: `/quit` (the handler said so), the end of input, or Ctrl-C on a terminal. */
export type ReadEnd = 'quit' | 'eof' | 'interrupted';

/**
 * Reads lines until the handler answers 'quit' or the input ends; each line is handled after
 * the previous one (the handler may await). On a terminal, `prompt()` names the prompt.
 */
export function readChatLines(cli: Cli, prompt: () => string, handle: (line: string) => Promise<'quit' | 'ok'>): Promise<ReadEnd> {
  const safely = async (line: string): Promise<'quit' | 'ok'> => {
    try {
      return await handle(line);
    } catch (e) {
      cli.out.status(explain(e, cli.fail).sentence);
      return 'ok';
    }
  };
  if (!cli.input.isTTY) {
    return (async () => {
      for (;;) {
        const line = await cli.input.readLine();
        if (line === null) return 'eof';
        if ((await safely(line)) === 'quit') return 'quit';
      }
    })();
  }
  const leftover = cli.input.detach();
  const editor = createInterface({ input: process.stdin, output: process.stderr, terminal: true, prompt: prompt(), historySize: 100 });
  cli.onCleanup(() => editor.close());
  return new Promise((resolve) => {
    // Every line (typed ahead or typed now) goes through one chain, in order; the listener is
    // attached before anything is awaited so that no line is lost.
    let chain = Promise.resolve();
    let done = false;
    const finish = (how: ReadEnd): void => {
      done = true;
      cli.out.setGuard(undefined);
      resolve(how);
    };
    const take = (line: string, again: boolean): void => {
      chain = chain.then(async () => {
        if (done) return;
        if ((await safely(line)) === 'quit') finish('quit');
        else if (again) {
          editor.setPrompt(prompt());
          editor.prompt();
        }
      });
    };
    editor.on('line', (line) => take(line, true));
    editor.on('SIGINT', () => finish('interrupted'));
    editor.on('close', () => {
      if (!done) finish('eof');
    });
    cli.out.setGuard({ before: () => process.stderr.write('\r\u001b[2K'), after: () => editor.prompt(true) });
    for (const l of Buffer.from(leftover).toString('utf8').split(/\r?\n/)) if (l !== '') take(l, false);
    chain = chain.then(() => {
      if (!done) editor.prompt();
    });
  });
}
