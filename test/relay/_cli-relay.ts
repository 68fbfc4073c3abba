/** Test helper: `securechat relay` as a child process (the built CLI), killed by PID. */
import { fromHex } from '../../src/crypto/bytes.js';
import { RelayClient } from '../../src/relay/client.js';
import { start, type Proc } from '../cli/_harness.js';

export interface CliRelay {
  readonly proc: Proc;
  readonly port: number;
  readonly key: Uint8Array;
  connect(): Promise<RelayClient>;
  /** kill -9, and wait until the process is gone. */
  kill9(): Promise<void>;
}

export async function startCliRelay(home: string, args: readonly string[]): Promise<CliRelay> {
  const proc = start(['relay', '--json', ...args], { home, keepOpen: true });
  const m = await proc.waitFor(/"event":"relay-listening".*"port":(\d+).*"key":"([0-9a-f]{64})"/, 'stdout', 120_000);
  const port = Number(m[1]);
  const key = fromHex(m[2] ?? '');
  return {
    proc,
    port,
    key,
    connect: () => RelayClient.connect({ host: '127.0.0.1', port, relayKey: key }),
    async kill9(): Promise<void> {
      proc.kill('SIGKILL');
      await proc.exited;
    },
  };
}
