/**
 * Who "I" am for a command: the `--as` default, the identity key, and (for a listener) the
 * OPAQUE account, registered on the fly from the users file's plaintext password if needed.
 */
import { wipe } from '../crypto/bytes.js';
import { isSecureChatError, localError } from '../errors.js';
import {
  ensureUserDir,
  entryPassword,
  findUser,
  formatFingerprint,
  loadAccount,
  loadIdentity,
  loadOrCreateIdentity,
  registerAccount,
  STRIP_COMMAND,
  userPaths,
  type Account,
  type IdentityKey,
  type UserEntry,
  type UsersFile,
} from '../identity/index.js';
import type { ListenerAccount, LocalIdentity } from '../chat/types.js';
import type { AppHost } from './host.js';

export interface Self {
  readonly name: string;
  readonly dir: string;
  readonly identity: IdentityKey;
  /** The users-file entry for this name, if there is one. */
  readonly entry: UserEntry | undefined;
}

export { selfName } from './self-name.js';

function entryFor(users: UsersFile | undefined, name: string): UserEntry | undefined {
  if (users === undefined) return undefined;
  try {
    return findUser(users, name);
  } catch {
    return undefined;
  }
}

/**
 * Loads the local user `name`, creating their home directory and identity key when `create`
 * (a sender needs only an identity key; it is made on first use and announced).
 */
export async function loadSelf(host: AppHost, name: string, users: UsersFile | undefined, create: boolean): Promise<Self> {
  host.fail.user = name;
  const home = host.home();
  const entry = entryFor(users, name);
  if (!create) {
    const dir = userPaths(home, name).dir;
    const identity = await loadIdentity(dir);
    return { name, dir, identity, entry };
  }
  const paths = await ensureUserDir(home, name);
  const { identity, created } = await loadOrCreateIdentity(paths.dir);
  if (created) {
    host.out.status(`created an identity key for ${name} (fingerprint ${formatFingerprint(identity.fingerprint)})`, {
      event: 'identity-created',
      user: name,
      fingerprint: identity.fingerprint,
    });
  }
  return { name, dir: paths.dir, identity, entry };
}

export function localIdentity(self: Self): LocalIdentity {
  return { name: self.name, seed: self.identity.seed, publicKey: self.identity.publicKey };
}

/**
 * The listener's OPAQUE account. When there is none and the user's users-file entry has a
 * plaintext password, it is registered now (with a one-line warning naming the fix).
 */
export async function listenerAccount(host: AppHost, self: Self, users: UsersFile | undefined): Promise<ListenerAccount> {
  let acc: Account;
  try {
    acc = await loadAccount(self.dir);
  } catch (e) {
    if (!isSecureChatError(e) || e.code !== 'NOT_INITIALISED') throw e;
    const pw = self.entry === undefined ? undefined : entryPassword(self.entry);
    if (pw === undefined) {
      throw localError('NOT_INITIALISED', `${self.name} has no registered password yet; run \`securechat init --user ${self.name}\` first`);
    }
    try {
      acc = await registerAccount(self.dir, self.name, pw, host.ksf());
    } finally {
      wipe(pw);
    }
    const where = users?.path ?? 'the users file';
    const text = `registered ${self.name}'s plaintext password from ${where}; remove it from the file with \`${STRIP_COMMAND}\``;
    host.out.warn(text, { event: 'warning', code: 'REGISTERED_FROM_USERS_FILE', user: self.name, message: text });
  }
  return { name: acc.username, serverSetup: acc.serverSetup, record: acc.record, ksf: acc.ksf };
}
