/**
 * The `--as` default, apart from the rest of src/app/self.ts (which loads the identity and
 * OPAQUE modules): a command that only asks the agent needs just this.
 */
import { isSecureChatError, localError } from '../errors.js';
import { listLocalUsers, userPaths } from '../identity/home.js';
import { loadKnownPeers } from '../identity/known-peers-file.js';
import { findUserByPort, type UsersFile } from '../identity/users-file.js';
import type { AppHost } from './host.js';

/**
 * The local user's name: `--as NAME`; else the users-file entry whose port is `port`; else the
 * only local user in the home. `USAGE` naming the choices otherwise.
 */
export async function selfName(host: AppHost, as: string | undefined, port: number | undefined, users: UsersFile | undefined, peer?: string): Promise<string> {
  if (as !== undefined) {
    if (as === '') throw localError('USAGE', '--as needs a username');
    return as;
  }
  if (port !== undefined && port !== 0 && users !== undefined) {
    try {
      return findUserByPort(users, port).username;
    } catch (e) {
      if (!isSecureChatError(e) || e.code !== 'UNKNOWN_USER') throw e;
    }
  }
  const local = await listLocalUsers(host.home());
  const [only, ...rest] = local;
  if (only !== undefined && rest.length === 0) return only;
  if (peer !== undefined && local.length > 1) {
    // `securechat verify bob` as suggested by an error: the one local user who knows bob's key.
    const knowing: string[] = [];
    for (const name of local) {
      const known = await loadKnownPeers(userPaths(host.home(), name).dir).catch(() => undefined);
      if (known?.peers.has(peer) === true) knowing.push(name);
    }
    const [one, ...more] = knowing;
    if (one !== undefined && more.length === 0) return one;
  }
  if (local.length === 0) {
    throw localError('USAGE', `there is no local user in ${host.home()} yet; say who you are with --as NAME (or create yourself with \`securechat init --user NAME\`)`);
  }
  throw localError('USAGE', `there are several local users in ${host.home()} (${local.join(', ')}); say which one you are with --as NAME`);
}

