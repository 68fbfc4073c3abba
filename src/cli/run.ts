/**
 * The `securechat` command's body. `securechat` alone runs the original program's interactive
 * flow; `securechat COMMAND ...` runs one command. Every failure ends here: one sentence, the
 * exit code of exit-codes.ts, never a stack trace (unless SECURECHAT_DEBUG=1).
 *
 * The shipped entry point (main.ts) calls `main` with the product's parameters; the test-only
 * entry point (test/cli/_main.ts) passes cheap key stretching. The program itself reads no test
 * switch from the environment.
 */
import { readFileSync } from 'node:fs';
import type { KsfParams } from '../crypto/ksf.js';
import { parseCommand } from './args.js';
import { COMMON_HELP, lazy, type Command, type LazyCommand } from './command.js';
import { Cli } from './context.js';
import { explain } from '../app/errors-text.js';
import { ExitCode } from '../app/exit-codes.js';
import { Output } from './output.js';

/**
 * The commands, each loaded only when it runs (or for `--help`): a command that only talks to
 * the agent (`send`) never loads the protocol stack, the OPAQUE WebAssembly or the page.
 */
const COMMANDS: readonly LazyCommand[] = [
  lazy('init', async () => (await import('./commands/init.js')).initCommand),
  lazy('listen', async () => (await import('./commands/listen.js')).listenCommand),
  lazy('send', async () => (await import('./commands/send.js')).sendCommand),
  lazy('chat', async () => (await import('./commands/chat.js')).chatCommand),
  lazy('peers', async () => (await import('./commands/peers.js')).peersCommand),
  lazy('contacts', async () => (await import('./commands/contacts.js')).contactsCommand),
  lazy('invite', async () => (await import('./commands/invite.js')).inviteCommand),
  lazy('accept', async () => (await import('./commands/accept.js')).acceptCommand),
  lazy('verify', async () => (await import('./commands/verify.js')).verifyCommand),
  lazy('trust', async () => (await import('./commands/trust.js')).trustCommand),
  lazy('users', async () => (await import('./commands/users.js')).usersCommand),
  lazy('log', async () => (await import('./commands/log.js')).logCommand),
  lazy('ui', async () => (await import('./commands/ui.js')).uiCommand),
  lazy('agent', async () => (await import('./commands/agent.js')).agentCommand),
  lazy('outbox', async () => (await import('./commands/outbox.js')).outboxCommand),
  lazy('send-file', async () => (await import('./commands/send-file.js')).sendFileCommand),
  lazy('files', async () => (await import('./commands/files.js')).filesCommand),
  lazy('group', async () => (await import('./commands/group.js')).groupCommand),
  lazy('relay', async () => (await import('./commands/relay.js')).relayCommand),
];
const interactive = (): Promise<Command> => import('./commands/interactive.js').then((m) => m.interactiveCommand);

function version(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    const v = typeof pkg === 'object' && pkg !== null ? (pkg as Record<string, unknown>)['version'] : undefined;
    return typeof v === 'string' ? v : 'unknown';
  } catch {
    return 'unknown';
  }
}

async function mainHelp(): Promise<string> {
  const all = await Promise.all(COMMANDS.map((c) => c.load()));
  const width = Math.max(...all.map((c) => c.name.length));
  const list = all.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `securechat ${version()}: end-to-end encrypted chat, peer to peer

usage: securechat                 the interactive flow (asks everything, then chats)
       securechat COMMAND [options]
       securechat COMMAND --help
       securechat --version

commands:
${list}

${COMMON_HELP}

Exit codes: 0 ok, 1 unexpected failure, 2 usage or configuration error, 3 authentication
failed, 4 network error, 5 peer key changed, 6 protocol violation, 7 log invalid, 8 not a
contact (reconnect refused), 9 queued (send: delivered later by your agent), 130 interrupted.
See README.md.`;
}

function helpText(c: Command): string {
  return `${c.help}\n\n${COMMON_HELP}\n`;
}

let active: Cli | undefined;
let exiting = false;

async function finish(code: number): Promise<never> {
  exiting = true;
  if (active !== undefined) await active.cleanup();
  process.exitCode = code;
  // Let stdout/stderr drain, then leave even if a socket is still open.
  await new Promise<void>((r) => process.stdout.write('', () => r()));
  process.exit(code);
}

function onSignal(): void {
  if (exiting) process.exit(ExitCode.INTERRUPTED);
  const out = active?.out ?? new Output({ json: false, quiet: false });
  out.notice('interrupted', { event: 'error', code: 'CANCELLED', exit: ExitCode.INTERRUPTED, message: 'interrupted' });
  void finish(ExitCode.INTERRUPTED);
}

/** What the entry point chooses; the shipped command passes the product's defaults. */
export interface MainOptions {
  /** Key stretching for passwords registered by this process. */
  readonly ksf: KsfParams;
}

/** The handlers every run installs: signals, and one sentence for anything nothing caught. */
function install(): void {
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const crash = (e: unknown): void => {
    // An exception nothing caught is a bug: say one sentence and stop (continuing after an
    // uncaught exception is unsafe). Peer failures never get here; they end their connection.
    if (exiting) return;
    const x = explain(e, active?.fail ?? { established: false });
    (active?.out ?? new Output({ json: false, quiet: false })).error(x.sentence, { event: 'error', code: x.code, exit: x.exit, message: x.sentence });
    if (process.env['SECURECHAT_DEBUG'] === '1' && e instanceof Error) process.stderr.write(`${e.stack ?? String(e)}\n`);
    void finish(x.exit);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
}

export async function main(argv: readonly string[], options: MainOptions): Promise<void> {
  install();
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-V' || first === 'version') {
    process.stdout.write(`securechat ${version()}\n`);
    return finish(ExitCode.OK);
  }
  if (first === 'help' || ((first === '--help' || first === '-h') && rest.length === 0)) {
    const named = first === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    process.stdout.write(named !== undefined ? helpText(await named.load()) : `${await mainHelp()}\n`);
    return finish(ExitCode.OK);
  }
  const found = first === undefined ? undefined : COMMANDS.find((c) => c.name === first);
  const isInteractive = found === undefined && (first === undefined || first.startsWith('-'));
  if (found !== undefined) return execute(await found.load(), rest, false, options);
  if (isInteractive) return execute(await interactive(), argv, true, options);
  const out = new Output({ json: argv.includes('--json'), quiet: false });
  const text = `unknown command "${first}"; see \`securechat --help\` for the list`;
  out.error(text, { event: 'error', code: 'USAGE', exit: ExitCode.USAGE, message: text });
  return finish(ExitCode.USAGE);
}

/**
 * Runs one command already loaded, exactly as `main` runs it after finding it by name: the
 * shipped entry's bundled `send` path (src/cli/send-fast.ts) starts here.
 */
export async function runOne(cmd: Command, args: readonly string[], options: MainOptions): Promise<void> {
  install();
  return execute(cmd, args, false, options);
}

async function execute(cmd: Command, cmdArgs: readonly string[], isInteractive: boolean, options: MainOptions): Promise<void> {
  let cli: Cli | undefined;
  try {
    const parsed = parseCommand(isInteractive ? '' : cmd.name, cmdArgs, cmd.options, cmd.positionals);
    cli = new Cli(parsed.common, process.env, undefined, options.ksf);
    active = cli;
    if (parsed.common.help) {
      process.stdout.write(isInteractive ? `${await mainHelp()}\n` : helpText(cmd));
      return await finish(ExitCode.OK);
    }
    const code = await cmd.run(cli, parsed);
    return await finish(code);
  } catch (e) {
    const out = cli?.out ?? new Output({ json: cmdArgs.includes('--json'), quiet: false });
    const x = explain(e, cli?.fail ?? { established: false });
    out.error(x.sentence, { event: 'error', code: x.code, exit: x.exit, message: x.sentence });
    if ((cli?.debug ?? process.env['SECURECHAT_DEBUG'] === '1') && e instanceof Error) process.stderr.write(`${e.stack ?? String(e)}\n`);
    return finish(x.exit);
  }
}
