/**
 * Servers for the "durable" bench rows, run in a helper process (child.ts):
 * - a SecureChat chat listener whose conversations log every received message to a
 *   conversation log (src/app/log-sink.ts, exactly as `securechat listen` does) before the
 *   chat layer sends its receipt;
 * - the reference: a raw TCP echo server that appends what it received to a file and
 *   `fdatasync`s it before echoing it back. Bytes that arrive while a sync is running are
 *   written and synced together on the next turn (what any such server does for free).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen, type Listener } from '../src/chat/listener.js';
import { ConversationLog } from '../src/app/log-sink.js';
import { createServerSetup, opaqueReady, registerLocally, KSF_TEST } from '../src/crypto/opaque.js';
import { ed25519PublicFromSeed } from '../src/crypto/ecc.js';
import { systemRandom } from '../src/crypto/random.js';
import { utf8 } from '../src/crypto/bytes.js';
import { FailureLimiter } from '../src/transport/limiter.js';
import { ACCOUNT, ALL_SUITES, PASSWORD, acceptAll } from './peers.js';

export interface DurableServers {
  readonly chatPort: number;
  readonly echoPort: number;
  /** Messages logged and log commits (fdatasyncs) so far; the reference's messages and fdatasyncs. */
  stats(): { received: number; commits: number; echoMessages: number; echoSyncs: number };
  close(): Promise<void>;
}

function listenOn(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a !== null ? a.port : 0);
    });
  });
}

/** One connection of the reference: write, fdatasync, then echo, batch by batch. */
/** Bytes per message of the durable rows (the bench sends 100-byte texts, the echo 100 bytes). */
export const ECHO_MESSAGE_BYTES = 100;
const echoCount = { bytes: 0, syncs: 0 };

function fsyncEcho(s: Socket, dir: string, n: number): void {
  let fh: FileHandle | null = null;
  let pending: Buffer[] = [];
  let busy = false;
  s.on('error', () => undefined);
  const run = async (): Promise<void> => {
    busy = true;
    try {
      fh ??= await open(join(dir, `echo-${n}.log`), 'a', 0o600);
      while (pending.length > 0) {
        const batch = Buffer.concat(pending);
        pending = [];
        await fh.write(batch);
        await fh.datasync();
        echoCount.bytes += batch.length;
        echoCount.syncs++;
        s.write(batch);
      }
    } finally {
      busy = false;
    }
  };
  s.on('data', (b: Buffer) => {
    pending.push(b);
    if (!busy) void run().catch(() => s.destroy());
  });
  s.on('close', () => void fh?.close().catch(() => undefined));
}

export async function startDurableServers(): Promise<DurableServers> {
  await opaqueReady;
  const home = await mkdtemp(join(tmpdir(), 'securechat-bench-durable-'));
  const serverSetup = createServerSetup();
  const record = registerLocally(serverSetup, ACCOUNT, utf8(PASSWORD), KSF_TEST);
  const seed = systemRandom(32);
  const self = { name: ACCOUNT, seed, publicKey: ed25519PublicFromSeed(seed) };
  const log = await ConversationLog.open(join(home, 'alice'), ACCOUNT);
  let received = 0;
  const chat: Listener = await listen({
    port: 0,
    account: { name: ACCOUNT, serverSetup, record, ksf: KSF_TEST },
    self,
    policy: acceptAll,
    suites: ALL_SUITES,
    limiter: new FailureLimiter({ perAddress: 1_000_000, accountBurst: 1_000_000 }),
    onConversation: (c) => {
      const peer = c.info.peer.name;
      // What the app core (src/app/messenger.ts) does: the receipt follows the durable append.
      c.on('message', async (m) => {
        await log.received(peer, m.id, m.text);
        received++;
      });
    },
  });
  let conns = 0;
  const sockets = new Set<Socket>();
  const echo = createServer({ noDelay: true }, (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    fsyncEcho(s, home, conns++);
  });
  const echoPort = await listenOn(echo);
  return {
    chatPort: chat.port,
    echoPort,
    stats: () => ({ received, commits: log.commits, echoMessages: Math.floor(echoCount.bytes / ECHO_MESSAGE_BYTES), echoSyncs: echoCount.syncs }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([chat.close(), new Promise((r) => echo.close(r))]);
      await log.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}
