/**
 * Typing while you listen: every conversation that came in is shown, and what you type goes to
 * one of them, as in the SimpleX terminal: `@bob hi` writes to bob, `/to carol` makes carol the
 * one plain lines go to (at first: whoever connected or wrote last). Each line is sent through
 * the agent, which holds the conversations; its receipt is shown when it arrives.
 */
import { AgentError, type AgentClient } from '../agent/client.js';
import type { Cli } from './context.js';
import { reportFailure, showProgress } from './agent-link.js';

const HELP = [
  '@NAME TEXT  write TEXT to NAME (someone connected to you)',
  '/to NAME    from now on, plain lines go to NAME',
  'TEXT        write to the current one (at first: whoever connected or wrote last)',
  '/quit       stop listening (Ctrl-C too)',
];

/** Reads lines until `/quit` (resolves 'quit') or the end of input ('eof'). */
export async function replyLoop(cli: Cli, agent: AgentClient, as: string, lastPeer: () => string | undefined): Promise<'quit' | 'eof'> {
  let current: string | undefined;
  for (;;) {
    const line = await cli.input.readLine();
    if (line === null) return 'eof';
    const t = line.trim();
    if (t === '') continue;
    if (t === '/quit' || t === '/exit') return 'quit';
    if (t === '/help') {
      for (const h of HELP) cli.out.line(h);
      continue;
    }
    const to = /^\/to\s+(\S+)$/.exec(t);
    if (to !== null) {
      current = to[1];
      cli.out.status(`plain lines now go to ${current ?? ''}`);
      continue;
    }
    const at = /^@(\S+)\s+([\s\S]+)$/.exec(line.trimStart());
    const peer = at !== null ? at[1] : (current ?? lastPeer());
    const text = at !== null ? (at[2] ?? '') : line.startsWith('//') ? line.slice(1) : line;
    if (t.startsWith('/') && !t.startsWith('//')) {
      cli.out.status(`unknown command ${t.split(/\s+/)[0] ?? ''}; /help lists them`);
      continue;
    }
    if (peer === undefined) {
      cli.out.status('nobody has connected yet, so there is nobody to write to; wait for someone, or write @NAME TEXT');
      continue;
    }
    // Not awaited: the next line may be typed while this one waits for its receipt.
    void agent.call('say', { as, peer, text }, (p) => showProgress(cli, p)).catch((e: unknown) => {
      if (e instanceof AgentError) reportFailure(cli, e);
    });
  }
}
