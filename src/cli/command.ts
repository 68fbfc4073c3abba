/** The shape of one `securechat` command (one file each under commands/). */
import type { OptionSpecs, Parsed } from './args.js';
import type { Cli } from './context.js';
import type { ExitCode } from '../app/exit-codes.js';

export interface Command {
  readonly name: string;
  /** One line for `securechat --help`. */
  readonly summary: string;
  /** The full `--help` text (without the common options, which are appended). */
  readonly help: string;
  readonly options: OptionSpecs;
  /** Most positional arguments accepted. */
  readonly positionals: number;
  run(cli: Cli, args: Parsed): Promise<ExitCode>;
}

/** A command by name, its module loaded on demand (`load` returns the same module each time). */
export interface LazyCommand {
  readonly name: string;
  load(): Promise<Command>;
}

/** A table entry for `name`; `load` imports the command's module (src/cli/run.ts). */
export function lazy(name: string, load: () => Promise<Command>): LazyCommand {
  return { name, load };
}

export const COMMON_HELP = `common options:
  --home DIR            the securechat home (default: $SECURECHAT_HOME, else ~/.securechat)
  --users FILE          the users file (default: ./users.json, else HOME/users.json)
  --password-file FILE  read the password from the first line of FILE
  --relay HOST:PORT     the relay for offline delivery (default: your users-file entry's "relay")
  --json                one JSON object per line on stdout for every event
  -q, --quiet           no status lines (messages, warnings and errors still show)
  -h, --help            this help`;
