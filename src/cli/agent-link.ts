/**
 * The CLI as a client of the agent: connect (starting the agent on first use), show a
 * request's progress lines as this command's own status lines, and turn an agent's failure
 * answer into this command's one error sentence and exit code.
 */
import { AgentClient, AgentError, selfCommand } from '../agent/client.js';
import { RpcCode, type JsonObject } from '../agent/rpc.js';
import type { JsonEvent } from '../app/host.js';
import { ExitCode } from '../app/exit-codes.js';
import type { Cli } from './context.js';
import { clock, printable } from './output.js';

/** The agent of this command's home, started when none runs; closed at exit. */
export async function agentFor(cli: Cli): Promise<AgentClient> {
  const home = cli.home();
  const c = await AgentClient.connect(home, selfCommand(home));
  cli.onCleanup(() => c.close());
  return c;
}

function asExitCode(v: unknown): ExitCode {
  return (Object.values(ExitCode) as unknown[]).includes(v) ? (v as ExitCode) : ExitCode.FAILURE;
}

function isEvent(v: unknown): v is JsonEvent {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Record<string, unknown>)['event'] === 'string';
}

/** Shows one `progress` notification as a status line or warning. */
export function showProgress(cli: Cli, p: JsonObject): void {
  const text = typeof p['text'] === 'string' ? p['text'] : '';
  const e = isEvent(p['event']) ? p['event'] : undefined;
  if (p['level'] === 'warn') cli.out.warn(text, e);
  else cli.out.status(text, e);
}

/** The failure an agent answered, as this command's error line; returns its exit code. */
export function reportFailure(cli: Cli, e: AgentError, suffix = ''): ExitCode {
  const d = e.error.data ?? {};
  const sentence = typeof d['sentence'] === 'string' ? d['sentence'] : e.error.message;
  const code = typeof d['code'] === 'string' ? d['code'] : 'INTERNAL';
  const exit = asExitCode(d['exit']);
  const id = typeof d['id'] === 'number' ? d['id'] : undefined;
  const tail = id === undefined ? suffix : ` (no delivery receipt for #${id})${suffix}`;
  cli.out.error(`${sentence}${tail}`, { event: 'error', code, exit, message: sentence, ...(id === undefined ? {} : { id }) });
  return exit;
}

export function isPasswordNeeded(e: unknown): e is AgentError {
  return e instanceof AgentError && e.error.code === RpcCode.PASSWORD_NEEDED;
}

/**
 * Shows the `event` notifications of a watched user: message lines (formatted here, so the
 * peer's name is coloured on a terminal), status lines and warnings. `firstEnd` resolves with
 * the exit status of the first conversation that ends (for `listen --once`).
 */
export function eventPrinter(cli: Cli): { firstEnd: Promise<ExitCode>; show: (p: JsonObject) => void } {
  let ended: (c: ExitCode) => void = () => undefined;
  const firstEnd = new Promise<ExitCode>((r) => {
    ended = r;
  });
  const show = (p: JsonObject): void => {
    const e = isEvent(p['event']) ? p['event'] : undefined;
    const text = typeof p['text'] === 'string' ? p['text'] : '';
    if (e?.event === 'message') {
      const from = typeof e['from'] === 'string' ? e['from'] : '?';
      const at = typeof e['receivedAt'] === 'string' ? Date.parse(e['receivedAt']) : Date.now();
      cli.out.line(`[${clock(at)}] ${cli.out.name(from)}: ${printable(text)}`, e);
      return;
    }
    if (e?.event === 'group-message') {
      const from = typeof e['from'] === 'string' ? e['from'] : '?';
      const at = typeof e['receivedAt'] === 'string' ? Date.parse(e['receivedAt']) : Date.now();
      cli.out.line(`[${clock(at)}] ${cli.out.name(from)} in ${printable(typeof e['group'] === 'string' ? e['group'] : '?')}: ${printable(text)}`, e);
      return;
    }
    if (e?.event === 'sent') {
      // Written by another client of the agent (the page, another terminal) as this user.
      const to = typeof e['to'] === 'string' ? e['to'] : '?';
      const at = typeof e['sentAt'] === 'string' ? Date.parse(e['sentAt']) : Date.now();
      cli.out.line(`[${clock(at)}] you → ${cli.out.name(to)}: ${printable(text)}`, e);
      return;
    }
    if (p['level'] === 'warn') cli.out.warn(text, e);
    else cli.out.status(text, e);
    if (e?.event === 'closed') ended(e['code'] === undefined ? ExitCode.OK : asExitCode(e['exit']));
  };
  return { firstEnd, show };
}
