/**
 * Typing while you listen (`listen`): every conversation that came in is shown, and what you
 * type goes to one of them, as in the SimpleX terminal (src/cli/chat-input.ts): `@bob hi`
 * writes to bob, `/to carol` makes carol the one plain lines go to (at first: whoever connected
 * or wrote last). Each line is sent through the agent, which holds the conversations; its
 * receipt is shown when it arrives.
 */
import { AgentError, type AgentClient } from '../agent/client.js';
import type { Cli } from './context.js';
import { reportFailure, showProgress } from './agent-link.js';
import { CHAT_HELP, parseChatLine } from './chat-input.js';

/** Reads lines until `/quit` (resolves 'quit') or the end of input ('eof'). */
export async function replyLoop(cli: Cli, agent: AgentClient, as: string, lastPeer: () => string | undefined): Promise<'quit' | 'eof'> {
  let current: string | undefined;
  for (;;) {
    const line = await cli.input.readLine();
    if (line === null) return 'eof';
    const c = parseChatLine(line);
    switch (c.kind) {
      case 'empty':
      case 'verify':
        if (c.kind === 'verify') cli.out.status('/verify is for a chat; here run `securechat verify NAME` in another terminal');
        continue;
      case 'quit':
        return 'quit';
      case 'help':
        for (const h of CHAT_HELP) cli.out.line(h);
        continue;
      case 'unknown':
        cli.out.status(`unknown command ${c.word}; /help lists them`);
        continue;
      case 'to':
        current = c.peer;
        cli.out.status(`plain lines now go to ${current}`);
        continue;
      case 'say': {
        const peer = c.peer ?? current ?? lastPeer();
        if (peer === undefined) {
          cli.out.status('nobody has connected yet, so there is nobody to write to; wait for someone, or write @NAME TEXT');
          continue;
        }
        // Not awaited: the next line may be typed while this one waits for its receipt.
        void agent.call('say', { as, peer, text: c.text }, (p) => showProgress(cli, p)).catch((e: unknown) => {
          if (e instanceof AgentError) reportFailure(cli, e);
        });
      }
    }
  }
}
