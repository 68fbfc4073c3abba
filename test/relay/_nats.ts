/**
 * Test helper: a real nats-server with JetStream on a free loopback port, its store in a temp
 * dir, started and stopped by PID (scripts/ensure-nats.sh installs Debian's nats-server).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../cli/_harness.js';

export const NATS_SERVER = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((p) => existsSync(p));

export interface Nats {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * True when nats-server stopped because a port it was given was taken meanwhile: a free port is
 * found by binding and closing, so another process on a busy machine can take it first.
 */
export function portWasTaken(e: unknown): boolean {
  return e instanceof Error && /address already in use/.test(e.message);
}

/** Tries `start` with fresh ports until no port was taken in between (at most `tries` times). */
export async function withFreshPorts<T>(start: () => Promise<T>, tries = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await start();
    } catch (e) {
      if (!portWasTaken(e) || i >= tries) throw e;
    }
  }
}

/** Starts nats-server -js; resolves once it says it is ready. Extra args (cluster) may be given. */
export async function startNats(o: { dir?: string; port?: number; args?: readonly string[]; name?: string } = {}): Promise<Nats> {
  if (o.port === undefined) {
    const given = o;
    return withFreshPorts(async () => startNatsOn({ ...given, port: await freePort() }));
  }
  return startNatsOn({ ...o, port: o.port });
}

async function startNatsOn(o: { dir?: string; port: number; args?: readonly string[]; name?: string }): Promise<Nats> {
  if (NATS_SERVER === undefined) throw new Error('nats-server is not installed: run scripts/ensure-nats.sh (as root: apt-get install -y nats-server)');
  const port = o.port;
  const dir = o.dir ?? (await mkdtemp(join(tmpdir(), 'securechat-nats-')));
  const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir, ...(o.name === undefined ? [] : ['-n', o.name]), ...(o.args ?? [])];
  const child: ChildProcess = spawn(NATS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const ready = new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`nats-server did not become ready in 60 s:\n${log}`)), 60_000);
    const on = (d: Buffer): void => {
      log += d.toString();
      if (/Server is ready/.test(log)) {
        clearTimeout(t);
        resolve();
      }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`nats-server exited (${String(code)}) before it was ready:\n${log}`));
    });
  });
  try {
    await ready;
  } catch (e) {
    // Not ready: stop it if it still runs, and remove the store it may have begun.
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      process.kill(child.pid, 'SIGKILL');
      await gone;
    }
    if (o.dir === undefined) await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const pid = child.pid ?? 0;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    dir,
    pid,
    async stop(): Promise<void> {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(pid, 'SIGKILL');
        await exited;
      }
      if (o.dir === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}
