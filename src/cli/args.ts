/**
 * Argument parsing with `util.parseArgs` (strict): every command declares its options, the
 * common ones are added here, and every parse failure becomes one `USAGE` sentence that
 * points at the command's `--help`.
 */
import { parseArgs } from 'node:util';
import { localError } from '../errors.js';
import { parsePort } from '../app/target.js';
import { parseRelayAddress, type RelayAddress } from '../identity/users-file.js';

export { parsePort };

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
}
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** Options every command accepts. */
export const COMMON_OPTIONS: OptionSpecs = {
  home: { type: 'string' },
  users: { type: 'string' },
  'password-file': { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
  relay: { type: 'string' },
  // Recognised only to refuse it with a useful sentence: never a password on the command line.
  password: { type: 'string' },
};

export interface CommonOptions {
  readonly home: string | undefined;
  readonly users: string | undefined;
  readonly passwordFile: string | undefined;
  readonly json: boolean;
  readonly quiet: boolean;
  readonly help: boolean;
  /** `--relay HOST:PORT`: the relay for offline delivery (docs/RELAY.md), over the users file's. */
  readonly relay?: RelayAddress;
}

export interface Parsed {
  readonly common: CommonOptions;
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
}

function usage(command: string, what: string): Error {
  const help = command === '' ? '`securechat --help`' : `\`securechat ${command} --help\``;
  return localError('USAGE', `${what}; see ${help}`);
}

/**
 * Parses `argv` for `command` (its name, for messages) with its own `options` plus the common
 * ones; at most `maxPositionals` positional arguments.
 */
export function parseCommand(command: string, argv: readonly string[], options: OptionSpecs, maxPositionals: number): Parsed {
  const all: Record<string, OptionSpec> = { ...COMMON_OPTIONS, ...options };
  let r: ReturnType<typeof parseArgs>;
  try {
    r = parseArgs({ args: [...argv], options: all, strict: true, allowPositionals: true });
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? String((e).code) : '';
    const msg = e instanceof Error ? e.message : '';
    const opt = /'(-{1,2}[^' ]+)/.exec(msg)?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw usage(command, `unknown option ${opt}`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const spec = all[opt.replace(/^-+/, '')];
      throw usage(command, spec?.type === 'boolean' ? `option ${opt} takes no value` : `option ${opt} needs a value`);
    }
    throw usage(command, 'the arguments could not be read');
  }
  const v = r.values as Record<string, string | boolean | undefined>;
  if (v['password'] !== undefined) {
    throw localError('USAGE', 'passwords are never taken on the command line (other programs can read it there); use the prompt, a line on standard input, or --password-file FILE');
  }
  if (r.positionals.length > maxPositionals) {
    throw usage(command, `unexpected argument "${r.positionals[maxPositionals] ?? ''}"`);
  }
  const str = (k: string): string | undefined => {
    const x = v[k];
    return typeof x === 'string' ? x : undefined;
  };
  const relayText = str('relay');
  const relay = relayText === undefined ? undefined : parseRelayAddress(relayText);
  if (typeof relay === 'string') throw usage(command, `--relay ${relay}`);
  return {
    common: {
      home: str('home'),
      users: str('users'),
      passwordFile: str('password-file'),
      json: v['json'] === true,
      quiet: v['quiet'] === true,
      help: v['help'] === true,
      ...(relay === undefined ? {} : { relay }),
    },
    values: v,
    positionals: r.positionals,
  };
}

export function optString(p: Parsed, name: string): string | undefined {
  const x = p.values[name];
  return typeof x === 'string' ? x : undefined;
}

export function optBool(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}

/** A required string option. */
export function needString(p: Parsed, command: string, name: string, what: string): string {
  const x = optString(p, name);
  if (x === undefined || x === '') throw usage(command, `${what} is missing: give --${name} ${what.toUpperCase().replace(/\s+/g, '_')}`);
  return x;
}

/** A TCP port from text: an integer 1..65535 (0 allowed with `allowZero`: "any free port"). */
export function optPort(p: Parsed, name: string, allowZero = false): number | undefined {
  const x = optString(p, name);
  return x === undefined ? undefined : parsePort(x, `--${name}`, allowZero);
}
