/** `securechat users`: check the users file; add and remove entries; strip plaintext passwords. */
import { join, resolve } from 'node:path';
import { localError, remoteError } from '../../errors.js';
import {
  addUser,
  checkUsers,
  ensurePrivateDir,
  findUsersFile,
  formatAddress,
  hasAccount,
  listLocalUsers,
  removeUser,
  stripPasswords,
  userPaths,
} from '../../identity/index.js';
import { parseJsonBytes, readFileIfExists } from '../../identity/storage.js';
import { optBool, optString, parsePort } from '../args.js';
import type { Command } from '../command.js';
import type { Cli } from '../context.js';
import { ExitCode } from '../../app/exit-codes.js';
import { exampleUsers } from '../examples.js';

/** The users file to check: the one found, else (none named, none here) the bundled example, as `npm start` offers it. */
async function fileToCheck(cli: Cli): Promise<string> {
  try {
    return await findUsersFile({ explicit: cli.options.users, home: cli.home() });
  } catch (e) {
    const example = cli.options.users === undefined ? await exampleUsers() : undefined;
    if (example === undefined) throw e;
    cli.out.status(`no users file here (./users.json) or in ${cli.home()}; checking the bundled example ${example} (pass --users FILE for another)`);
    return example;
  }
}

async function check(cli: Cli): Promise<ExitCode> {
  const path = await fileToCheck(cli);
  const bytes = await readFileIfExists(path, 'CONFIG');
  if (bytes === undefined) throw localError('CONFIG', `the users file ${path} does not exist`);
  const value = parseJsonBytes(bytes, `users file ${path}`, 'USERS_FILE_INVALID');
  const r = checkUsers(value, `users file ${path}`);
  const [first, ...rest] = r.problems;
  if (first !== undefined) {
    for (const p of rest) cli.out.error(p, { event: 'error', code: 'USERS_FILE_INVALID', message: p });
    throw remoteError('USERS_FILE_INVALID', first);
  }
  for (const w of r.warnings) cli.out.warn(w, { event: 'warning', code: 'PLAINTEXT_PASSWORDS', message: w });
  const home = cli.home();
  for (const u of r.users) {
    const registered = await hasAccount(userPaths(home, u.username).dir).catch(() => false);
    const notes = [u.hasPassword ? 'plaintext password' : '', registered ? 'registered here' : '', u.fingerprint !== undefined ? 'fingerprint pinned' : ''].filter((s) => s !== '');
    cli.out.line(`${u.username}  ${formatAddress(u.ip, u.port)}${notes.length > 0 ? `  (${notes.join(', ')})` : ''}`, {
      event: 'user',
      username: u.username,
      ip: u.ip,
      port: u.port,
      plaintextPassword: u.hasPassword,
      registeredHere: registered,
      ...(u.fingerprint === undefined ? {} : { fingerprint: u.fingerprint }),
    });
  }
  cli.out.status(`${path} is valid: ${r.users.length} user${r.users.length === 1 ? '' : 's'}`, { event: 'users-valid', path, count: r.users.length });
  return ExitCode.OK;
}

/** The file to change: --users, else the one found, else a new one in the home. */
async function target(cli: Cli, mustExist: boolean): Promise<string> {
  if (cli.options.users !== undefined && !mustExist) return resolve(cli.options.users);
  const found = await cli.usersPath();
  if (found !== undefined) return found;
  if (mustExist) return findUsersFile({ explicit: cli.options.users, home: cli.home() });
  await ensurePrivateDir(cli.home());
  return join(cli.home(), 'users.json');
}

export const usersCommand: Command = {
  name: 'users',
  summary: 'check the users file; add or remove users; remove plaintext passwords',
  help: `usage: securechat users [check]
       securechat users add NAME --ip ADDRESS --port N [--fingerprint HEX]
       securechat users remove NAME
       securechat users --strip-passwords

The users file is the original program's: a JSON array of
{"username", "password", "ip", "port"} (plus an optional "fingerprint" of the user's
identity key). "check" (the default) validates it, naming the entry and field of every
problem, and lists the users. "add" and "remove" change one entry and keep the rest.
--strip-passwords removes the plaintext "password" of every user registered in this home
(\`securechat init\`), which is where a password belongs.

options:
  --ip ADDRESS         (add) the address the user listens on
  --port N             (add) the port the user listens on
  --fingerprint HEX    (add) pin the user's identity-key fingerprint (see \`securechat peers\`)
  --strip-passwords    remove plaintext passwords of users registered here`,
  options: { ip: { type: 'string' }, port: { type: 'string' }, fingerprint: { type: 'string' }, 'strip-passwords': { type: 'boolean' } },
  positionals: 2,
  async run(cli, args) {
    const [sub = 'check', name] = args.positionals;
    if (optBool(args, 'strip-passwords')) {
      if (args.positionals.length > 0) throw localError('USAGE', '--strip-passwords takes no other arguments; see `securechat users --help`');
      const path = await target(cli, true);
      const home = cli.home();
      const registered: string[] = [];
      for (const u of await listLocalUsers(home)) if (await hasAccount(userPaths(home, u).dir).catch(() => false)) registered.push(u);
      const { file, stripped } = await stripPasswords(path, registered);
      const left = file.users.filter((u) => u.hasPassword).map((u) => u.username);
      cli.out.status(
        stripped.length === 0 ? `no plaintext password to remove from ${path}` : `removed the plaintext password of ${stripped.join(', ')} from ${path}`,
        { event: 'passwords-stripped', path, stripped, remaining: left },
      );
      if (left.length > 0) {
        cli.out.warn(`${path} still holds the plaintext password of ${left.join(', ')}: they are not registered in this home; run \`securechat init --user NAME\` for each (on their own machine), then strip again`);
      }
      return ExitCode.OK;
    }
    switch (sub) {
      case 'check':
        if (name !== undefined) throw localError('USAGE', `unexpected argument "${name}"; see \`securechat users --help\``);
        return check(cli);
      case 'add': {
        if (name === undefined) throw localError('USAGE', 'say whom to add: securechat users add NAME --ip ADDRESS --port N');
        const ip = optString(args, 'ip');
        const port = optString(args, 'port');
        if (ip === undefined || port === undefined) throw localError('USAGE', `give the address of ${name}: securechat users add ${name} --ip ADDRESS --port N`);
        const fingerprint = optString(args, 'fingerprint');
        const path = await target(cli, false);
        await addUser(path, { username: name, ip, port: parsePort(port, '--port'), ...(fingerprint === undefined ? {} : { fingerprint }) });
        cli.out.status(`added ${name} (${formatAddress(ip, Number(port))}) to ${path}`, { event: 'user-added', username: name, path });
        return ExitCode.OK;
      }
      case 'remove': {
        if (name === undefined) throw localError('USAGE', 'say whom to remove: securechat users remove NAME');
        const path = await target(cli, true);
        await removeUser(path, name);
        cli.out.status(`removed ${name} from ${path}`, { event: 'user-removed', username: name, path });
        return ExitCode.OK;
      }
      default:
        throw localError('USAGE', `unknown users command "${sub}" (use check, add or remove); see \`securechat users --help\``);
    }
  },
};
