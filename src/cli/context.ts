/**
 * What every command shares: output, standard input, the common options, the home, the users
 * file, password reading, the key stretching for new registrations, and clean-up on exit.
 */
import { KSF_DEFAULT, type KsfParams } from '../crypto/ksf.js';
import { localError } from '../errors.js';
import { findUsersFile, resolveHome } from '../identity/home.js';
import { loadUsersFile } from '../identity/users-file-io.js';
import type { UsersFile } from '../identity/users-file.js';
import type { Env } from '../app/host.js';
import type { CommonOptions } from './args.js';
import type { FailContext } from '../app/errors-text.js';
import { readFile } from 'node:fs/promises';
import { firstTime, noticeKey } from '../app/notices.js';
import { Input } from './input.js';
import { Output } from './output.js';
import { readPassword } from './password.js';

export type { Env };

export class Cli {
  readonly out: Output;
  readonly input: Input;
  readonly env: Env;
  readonly fail: FailContext = { established: false };
  /** Set by listeners: an error a peer caused must never stop the process. */
  serving = false;
  private common: CommonOptions;
  private readonly cleanups: (() => Promise<void> | void)[] = [];
  private usersCache: UsersFile | undefined;
  readonly #ksf: KsfParams;

  /**
   * `ksf` is the key stretching for passwords this process registers: the product's default;
   * only a test entry point (test/cli/_main.ts) or an in-process test passes anything else.
   */
  constructor(common: CommonOptions, env: Env = process.env, input: Input = new Input(), ksf: KsfParams = KSF_DEFAULT) {
    this.#ksf = ksf;
    this.common = common;
    this.env = env;
    this.input = input;
    this.out = new Output({ json: common.json, quiet: common.quiet, env });
  }

  get options(): CommonOptions {
    return this.common;
  }

  get debug(): boolean {
    return this.env['SECURECHAT_DEBUG'] === '1';
  }

  /** The home directory (`--home`, then SECURECHAT_HOME, then ~/.securechat). */
  home(): string {
    return resolveHome({ home: this.common.home, env: this.env });
  }

  /** Changes the users-file option (the interactive flow asks for it). */
  setUsersPath(path: string): void {
    this.common = { ...this.common, users: path };
    this.usersCache = undefined;
  }

  /** Path of the users file that would be used, or `undefined` when there is none. */
  async usersPath(): Promise<string | undefined> {
    try {
      return await findUsersFile({ explicit: this.common.users, home: this.home() });
    } catch (e) {
      if (this.common.users !== undefined) throw e;
      return undefined;
    }
  }

  /**
   * The users file, validated; its warnings (plaintext passwords) are shown once. With
   * `required === false`, `undefined` when there is none (and none was named).
   */
  async users(required: true): Promise<UsersFile>;
  async users(required: boolean): Promise<UsersFile | undefined>;
  async users(required: boolean): Promise<UsersFile | undefined> {
    if (this.usersCache !== undefined) return this.usersCache;
    const path = required ? await findUsersFile({ explicit: this.common.users, home: this.home() }) : await this.usersPath();
    if (path === undefined) return undefined;
    const f = await loadUsersFile(path);
    // Once per users file (and again when it changes), not on every command; `users check` always says it.
    if (f.warnings.length > 0 && (await firstTime(this.home(), noticeKey('plaintext-passwords', path, await readFile(path).catch(() => new Uint8Array())))))
      for (const w of f.warnings) this.out.warn(w, { event: 'warning', code: 'PLAINTEXT_PASSWORDS', message: w });
    this.usersCache = f;
    return f;
  }

  /** Reads a password (see password.ts). */
  password(prompt: string, confirm = false): Promise<Uint8Array> {
    return readPassword({ input: this.input, out: this.out, passwordFile: this.common.passwordFile }, prompt, confirm);
  }

  ksf(): KsfParams {
    return this.#ksf;
  }

  /** Registers something to undo or close before the process exits (last registered runs first). */
  onCleanup(fn: () => Promise<void> | void): void {
    this.cleanups.push(fn);
  }

  /** Runs the clean-ups once; errors in them are ignored (we are leaving anyway). */
  async cleanup(): Promise<void> {
    while (this.cleanups.length > 0) {
      const fn = this.cleanups.pop();
      try {
        await fn?.();
      } catch {
        // ignored: best effort on the way out
      }
    }
    this.input.close();
  }
}

/** A `USAGE` error for a command, pointing at its help. */
export function usageError(command: string, what: string): Error {
  return localError('USAGE', `${what}; see \`securechat ${command} --help\``);
}
