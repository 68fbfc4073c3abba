/**
 * The home directory and its layout (docs/STORAGE.md):
 *
 *   <home>/                        0700
 *     users.json                   optional users file (looked up after ./users.json)
 *     users/<name>/                0700, one per local user
 *       identity.json              0600 secret: Ed25519 seed
 *       account.json               0600 secret: OPAQUE server setup + registration record
 *       known_peers.json           0600 pinned peer keys (TOFU)
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { promises as fsp } from 'node:fs';
import { localError } from '../errors.js';
import { usernameProblem } from './username.js';
import { ensurePrivateDir } from './storage.js';

/** Environment variable naming the home directory. */
export const HOME_ENV = 'SECURECHAT_HOME';
/** Default home, under the OS user's home directory. */
export const DEFAULT_HOME_NAME = '.securechat';

export interface HomeOptions {
  /** `--home DIR`, if given; wins over the environment. */
  readonly home?: string | undefined;
  /** Environment to read `SECURECHAT_HOME` from; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The OS user's home directory; default `os.homedir()`. */
  readonly osHome?: string;
}

/** Resolves the home: `--home`, then `SECURECHAT_HOME`, then `~/.securechat`; absolute. */
export function resolveHome(options: HomeOptions = {}): string {
  const explicit = options.home;
  if (explicit !== undefined) {
    if (explicit === '') throw localError('USAGE', '--home needs a directory');
    return resolve(explicit);
  }
  const env = options.env ?? process.env;
  const fromEnv = env[HOME_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  return join(options.osHome ?? homedir(), DEFAULT_HOME_NAME);
}

export interface UserPaths {
  readonly dir: string;
  readonly identity: string;
  readonly account: string;
  readonly knownPeers: string;
}

/** Paths of one local user's files. Throws `USAGE` for an invalid name (never a path escape). */
export function userPaths(home: string, name: string): UserPaths {
  const problem = usernameProblem(name);
  if (problem !== undefined) throw localError('USAGE', `the username "${name}" is not valid: ${problem}`);
  const dir = join(home, 'users', name);
  return {
    dir,
    identity: join(dir, 'identity.json'),
    account: join(dir, 'account.json'),
    knownPeers: join(dir, 'known_peers.json'),
  };
}

/** The user's directory, for callers that only need it. */
export function userDir(home: string, name: string): string {
  return userPaths(home, name).dir;
}

/** Creates `<home>`, `<home>/users` and `<home>/users/<name>` (0700) if missing; returns the paths. */
export async function ensureUserDir(home: string, name: string): Promise<UserPaths> {
  const paths = userPaths(home, name);
  await ensurePrivateDir(home);
  await ensurePrivateDir(join(home, 'users'));
  await ensurePrivateDir(paths.dir);
  return paths;
}

/** Names of the local users that have a directory in this home, sorted. */
export async function listLocalUsers(home: string): Promise<string[]> {
  try {
    const entries = await fsp.readdir(join(home, 'users'), { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && usernameProblem(e.name) === undefined).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

/** Paths of each file in a user directory (for code that is given only the directory). */
export function filesIn(dir: string): Omit<UserPaths, 'dir'> {
  return { identity: join(dir, 'identity.json'), account: join(dir, 'account.json'), knownPeers: join(dir, 'known_peers.json') };
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.access(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * The users file to use: `--users FILE` if given (it must exist), else `./users.json`, else
 * `<home>/users.json`. Throws `CONFIG` naming the places looked in.
 */
export async function findUsersFile(opts: { readonly explicit?: string | undefined; readonly cwd?: string; readonly home: string }): Promise<string> {
  if (opts.explicit !== undefined) {
    const p = resolve(opts.cwd ?? process.cwd(), opts.explicit);
    if (!(await exists(p))) throw localError('CONFIG', `the users file ${p} does not exist`);
    return p;
  }
  const local = resolve(opts.cwd ?? process.cwd(), 'users.json');
  if (await exists(local)) return local;
  const inHome = join(opts.home, 'users.json');
  if (await exists(inHome)) return inHome;
  throw localError('CONFIG', `no users file found (looked for ${local} and ${inHome}); pass --users FILE`);
}
