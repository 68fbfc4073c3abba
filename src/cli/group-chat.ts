/**
 * `chat --group NAME` as a client of the agent: the group's messages are shown as they arrive,
 * each line read is sent to the group (`group.send`), one after the other (so the group sees
 * them in the order typed); at the end of input the command ends.
 */
import { AgentError } from '../agent/client.js';
import type { JsonObject } from '../agent/rpc.js';
import { ExitCode } from '../app/exit-codes.js';
import { agentFor, eventPrinter, reportFailure } from './agent-link.js';
import type { Cli } from './context.js';

export async function groupChat(cli: Cli, o: { as: string; group: string; usersPath: string | undefined }): Promise<ExitCode> {
  const agent = await agentFor(cli);
  const { show } = eventPrinter(cli);
  agent.onEvent((p) => {
    const e = p['event'];
    const ev = typeof e === 'object' && e !== null && !Array.isArray(e) ? (e as JsonObject) : {};
    if (ev['group'] === o.group) show(p);
  });
  await agent.call('subscribe', { as: o.as });
  try {
    await agent.call('group.show', { as: o.as, name: o.group });
  } catch (e) {
    if (e instanceof AgentError) return reportFailure(cli, e);
    throw e;
  }
  cli.out.status(`chatting in the group ${o.group}; each line goes to every member`, { event: 'group-chat', group: o.group });
  let status: ExitCode = ExitCode.OK;
  for (;;) {
    const line = await cli.input.readLine();
    if (line === null || line.trim() === '/quit') break;
    if (line.trim() === '') continue;
    const params = { as: o.as, name: o.group, text: line, ...(o.usersPath === undefined ? {} : { users: o.usersPath }) };
    // One at a time: the agent's requests may overtake each other, and the group must see our lines in the order typed.
    try {
      await agent.call('group.send', params);
    } catch (e) {
      if (!(e instanceof AgentError)) throw e;
      status = reportFailure(cli, e);
    }
  }
  return status;
}
