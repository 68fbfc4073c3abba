/** Test helper: an in-process relay (engine + listener) on a loopback port, over a given store. */
import { deterministicRandom, systemRandom } from '../../src/crypto/random.js';
import { RelayEngine, type RelayLimits } from '../../src/relay/engine.js';
import { keyPairFrom, type KeyPair } from '../../src/relay/noise-nk.js';
import { RelayServer, type RelayServerEvent, type RelayServerOptions } from '../../src/relay/server.js';
import type { RelayStore } from '../../src/relay/store.js';
import { RelayClient } from '../../src/relay/client.js';

export interface TestRelay {
  readonly server: RelayServer;
  readonly engine: RelayEngine;
  readonly key: KeyPair;
  readonly events: RelayServerEvent[];
  connect(): Promise<RelayClient>;
  stop(): Promise<void>;
}

export async function startRelay(store: RelayStore, o: { key?: KeyPair; limits?: Partial<RelayLimits>; now?: () => number; server?: Partial<RelayServerOptions> } = {}): Promise<TestRelay> {
  const key = o.key ?? keyPairFrom(deterministicRandom('relay test key')(32));
  const now = o.now ?? Date.now;
  const engine = new RelayEngine({ store, random: systemRandom, now, ...(o.limits === undefined ? {} : { limits: o.limits }) });
  const events: RelayServerEvent[] = [];
  const server = await RelayServer.listen({ port: 0, key, engine, random: systemRandom, now, onEvent: (e) => events.push(e), ...o.server });
  return {
    server,
    engine,
    key,
    events,
    connect: () => RelayClient.connect({ host: '127.0.0.1', port: server.port, relayKey: key.pub }),
    stop: () => server.close(),
  };
}
