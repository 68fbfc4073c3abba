/**
 * `securechat relay use --as NAME --relay-key HEX [--relay HOST:PORT]`: names the relay where
 * NAME receives messages while offline (docs/RELAY.md §10.1). The address is `--relay`, else
 * NAME's users-file entry's "relay"; the key is the one the relay printed at start (pinned:
 * the channel to the relay authenticates it). Written to NAME's directory; NAME's agent makes
 * its queues there and gives them to contacts when they next meet directly.
 */
import { fromHex } from '../../crypto/bytes.js';
import { localError } from '../../errors.js';
import { listLocalUsers, userDir } from '../../identity/home.js';
import { findUser, formatAddress } from '../../identity/index.js';
import { selfName } from '../../app/self.js';
import { saveRelayUse } from '../../app/relay-state.js';
import { ExitCode } from '../../app/exit-codes.js';
import { optString, type Parsed } from '../args.js';
import type { Cli } from '../context.js';

export async function relayUse(cli: Cli, args: Parsed): Promise<ExitCode> {
  const users = await cli.users(false).catch(() => undefined);
  const as = await selfName(cli, optString(args, 'as'), undefined, users);
  const keyText = optString(args, 'relay-key');
  if (keyText === undefined || !/^[0-9a-fA-F]{64}$/.test(keyText)) throw localError('USAGE', 'say the relay\'s key with --relay-key HEX (the 64 hex digits `securechat relay` printed when it started)');
  const addr = args.common.relay ?? (users === undefined ? undefined : findUser(users, as).relay);
  if (addr === undefined) throw localError('USAGE', `say where the relay is: --relay HOST:PORT, or a "relay" field on ${as}'s entry in the users file`);
  if (!(await listLocalUsers(cli.home())).includes(as)) throw localError('NOT_INITIALISED', `${as} is not a user of ${cli.home()} yet: run \`securechat init --as ${as}\` (or send or listen as ${as} once) first`);
  await saveRelayUse(userDir(cli.home(), as), { host: addr.host, port: addr.port, key: fromHex(keyText.toLowerCase()) });
  const where = formatAddress(addr.host, addr.port);
  cli.out.status(`${as} receives offline messages at the relay ${where} from now on: contacts learn it when you next talk directly (restart the agent, \`securechat agent stop\`, if it runs)`, { event: 'relay-use', user: as, host: addr.host, port: addr.port });
  return ExitCode.OK;
}
