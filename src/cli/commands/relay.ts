/** `securechat relay`: run a relay (store and forward of ciphertext, docs/RELAY.md). */
import { operatorAlerts } from '../../relay/operator-alerts.js';
import { join } from 'node:path';
import { toHex } from '../../crypto/bytes.js';
import { systemRandom } from '../../crypto/random.js';
import { ensurePrivateDir } from '../../fs/private-files.js';
import { RELAY_SWEEP_INTERVAL_MS } from '../../limits.js';
import { RelayEngine } from '../../relay/engine.js';
import { openStore, parseStoreSpec } from '../../relay/open-store.js';
import { loadOrCreateRelayKey } from '../../relay/relay-key.js';
import { RelayServer } from '../../relay/server.js';
import { formatAddress } from '../../identity/index.js';
import { localError } from '../../errors.js';
import { optPort, optString } from '../args.js';
import type { Command } from '../command.js';
import type { ExitCode } from '../../app/exit-codes.js';
import { DEFAULT_RELAY_LIMITS } from '../../relay/engine.js';

/** The relay's default port. */
export const RELAY_DEFAULT_PORT = 7_400;

export const relayCommand: Command = {
  name: 'relay',
  summary: 'run a relay: mailboxes and group logs of ciphertext for offline delivery',
  help: `usage: securechat relay [--port N] [--host ADDRESS] [--store sqlite:PATH | --store nats://HOST:PORT] [--key FILE]
       securechat relay use --as NAME --relay-key HEX [--relay HOST:PORT]

Holds messages for people who are offline, the ordered logs of groups, and published
KeyPackages, as ciphertext only (docs/RELAY.md). Clients reach it over an encrypted channel
and pin its key, printed at start: give that key to the people who use this relay.
Messages are deleted once acknowledged, and everything after 7 days. Ctrl-C stops.

options:
  --port N           the port to listen on (default ${RELAY_DEFAULT_PORT}; 0 = any free port)
  --host ADDRESS     the address to listen on (default 127.0.0.1)
  --store SPEC       sqlite:PATH (default: sqlite:HOME/relay/relay.db; needs the optional
                     package better-sqlite3), nats://HOST:PORT (NATS JetStream: several relays
                     may share it; give them the same --key file), or memory (nothing kept)
  --key FILE         the relay's private key (default HOME/relay/relay-key.json; created if missing)

\`relay use\` names the relay where NAME receives messages while offline: --relay HOST:PORT
or NAME's users-file "relay", and the key it printed (--relay-key). Your agent keeps a
queue there for each contact and tells them about it when you next talk directly; a message
to you while you are offline is then left there, sealed for you, and fetched by your agent.`,
  options: { port: { type: 'string' }, host: { type: 'string' }, store: { type: 'string' }, key: { type: 'string' }, as: { type: 'string' }, 'relay-key': { type: 'string' } },
  positionals: 1,
  async run(cli, args) {
    const [verb] = args.positionals;
    if (verb === 'use') return (await import('./relay-use.js')).relayUse(cli, args);
    if (verb !== undefined) throw localError('USAGE', `unknown \`relay ${verb.slice(0, 20)}\`: say \`securechat relay\` to run one, or \`securechat relay use\``);
    cli.serving = true;
    const dir = join(cli.home(), 'relay');
    const storeText = optString(args, 'store');
    const spec = parseStoreSpec(storeText ?? `sqlite:${join(dir, 'relay.db')}`);
    const keyPath = optString(args, 'key') ?? join(dir, 'relay-key.json');
    if (optString(args, 'key') === undefined || spec.kind === 'sqlite') await ensurePrivateDir(dir);
    const { key, created } = await loadOrCreateRelayKey(keyPath, systemRandom);
    const store = await openStore(spec, { retentionMs: DEFAULT_RELAY_LIMITS.retentionMs, maxQueueMessages: DEFAULT_RELAY_LIMITS.maxQueueMessages, maxLogEntries: DEFAULT_RELAY_LIMITS.maxLogEntries });
    cli.onCleanup(() => store.close());
    const engine = new RelayEngine({ store, random: systemRandom, now: Date.now });
    const host = optString(args, 'host') ?? '127.0.0.1';
    const alerts = operatorAlerts((line) => cli.out.error(line, { event: 'relay-failure', message: line }), Date.now);
    const server = await RelayServer.listen({ host, port: optPort(args, 'port', true) ?? RELAY_DEFAULT_PORT, key: key, engine, random: systemRandom, onEvent: alerts.onEvent });
    cli.onCleanup(() => server.close());
    const sweep = setInterval(() => void engine.sweep().catch((e: unknown) => alerts.failed('the retention sweep failed', e)), RELAY_SWEEP_INTERVAL_MS);
    sweep.unref();
    await engine.sweep();
    const where = spec.kind === 'sqlite' ? `sqlite:${spec.path}` : spec.kind === 'nats' ? spec.servers : 'memory';
    if (created) cli.out.status(`created the relay key ${keyPath}`);
    cli.out.status(`relay listening on ${formatAddress(host, server.port)}, store ${where}, key ${toHex(key.pub)}`, {
      event: 'relay-listening',
      host,
      port: server.port,
      store: spec.kind,
      key: toHex(key.pub),
    });
    return new Promise<ExitCode>(() => undefined); // until Ctrl-C / SIGTERM (the cleanups close the server and the store)
  },
};
