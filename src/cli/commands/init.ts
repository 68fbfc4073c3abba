/** `securechat init --user NAME`: the home, the identity key, and the password as an OPAQUE record. */
import { wipe } from '../../crypto/bytes.js';
import { localError } from '../../errors.js';
import { SHORT_PASSWORD_BYTES } from '../../limits.js';
import { ensureUserDir, formatFingerprint, hasAccount, loadOrCreateIdentity, registerAccount, usernameProblem } from '../../identity/index.js';
import { optBool, optString } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../../app/exit-codes.js';

export const initCommand: Command = {
  name: 'init',
  summary: 'create your identity key and register your password',
  help: `usage: securechat init --user NAME [--replace]

Creates NAME's directory in the home with a new identity key (Ed25519), and registers
NAME's password as an OPAQUE record: the password itself is never stored. Others connect
to you with this password. On a terminal the password is asked twice, hidden; otherwise it
is the first line of standard input, or the first line of --password-file FILE.

options:
  --user NAME   the local user to create
  --replace     register a new password for an existing user (the identity key is kept)`,
  options: { user: { type: 'string' }, replace: { type: 'boolean' } },
  positionals: 0,
  async run(cli, args) {
    const name = optString(args, 'user');
    if (name === undefined || name === '') throw localError('USAGE', 'say which user to create: securechat init --user NAME');
    const problem = usernameProblem(name);
    if (problem !== undefined) throw localError('USAGE', `the username "${name}" is not valid: ${problem}`);
    cli.fail.user = name;
    const replace = optBool(args, 'replace');
    const paths = await ensureUserDir(cli.home(), name);
    if (!replace && (await hasAccount(paths.dir))) {
      throw localError('CONFIG', `${name} is already registered in ${cli.home()}; to change the password run \`securechat init --user ${name} --replace\``);
    }
    const { identity, created } = await loadOrCreateIdentity(paths.dir);
    const pw = await cli.password(`new password for ${name}: `, true);
    if (pw.length < SHORT_PASSWORD_BYTES) {
      const text = `this password is very short (${pw.length} characters): whoever can reach your listener may try guesses, one per connection; a longer one (a few words) is much safer — change it any time with \`securechat init --user ${name} --replace\``;
      cli.out.warn(text, { event: 'warning', code: 'SHORT_PASSWORD', user: name, message: text });
    }
    try {
      cli.out.status('registering the password (this takes a moment)...');
      await registerAccount(paths.dir, name, pw, cli.ksf(), { replace });
    } finally {
      wipe(pw);
    }
    const fp = formatFingerprint(identity.fingerprint);
    cli.out.status(`${created ? 'created' : 'kept'} the identity key of ${name}: ${fp}`);
    cli.out.status(`${replace ? 'changed' : 'registered'} the password of ${name} (only an OPAQUE record is stored, never the password)`);
    // Shows the plaintext-password warning (with its fix) if the users file still has one.
    await cli.users(false).catch(() => undefined);
    cli.out.event({ event: 'initialised', user: name, fingerprint: identity.fingerprint, identityCreated: created, home: cli.home() });
    return ExitCode.OK;
  },
};
