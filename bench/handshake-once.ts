/** One complete handshake against any target, then an immediate drop (no close exchange). */
import { scConnect, scReconnect } from './peers.js';
import { SecureChatError } from '../src/errors.js';
import { refConnect, refConnectResume, type Cert, type RefKind } from './references.js';

export type Target = 'securechat' | 'reconnect' | 'tls-resume' | RefKind;

export async function handshakeOnce(target: Target, port: number, cert: Cert): Promise<void> {
  if (target === 'reconnect') {
    const c = await scReconnect(port);
    c.destroy(new SecureChatError('CANCELLED', 'local', 'bench: dropped after the handshake'));
    return;
  }
  if (target === 'securechat') {
    const c = await scConnect(port);
    c.destroy();
    return;
  }
  // end(), not destroy(): the last handshake flight (TLS client Finished) must reach the server.
  const s = target === 'tls-resume' ? await refConnectResume(port, cert) : await refConnect(target, port, cert);
  s.end();
}

export interface LoadResult {
  readonly completed: number;
  readonly errors: number;
  readonly firstError: string | null;
  readonly latenciesMs: number[];
  readonly wallMs: number;
}

/** `concurrency` clients, each handshaking back to back until `durationMs` has passed. */
export async function handshakeLoad(target: Target, port: number, cert: Cert, concurrency: number, durationMs: number): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  const t0 = performance.now();
  const end = t0 + durationMs;
  const loop = async (): Promise<void> => {
    // Bounded: stops at the deadline, and after 100 errors in one loop.
    for (let fails = 0; performance.now() < end && fails < 100; ) {
      const s = performance.now();
      try {
        await handshakeOnce(target, port, cert);
        latenciesMs.push(performance.now() - s);
      } catch (e) {
        errors++;
        fails++;
        firstError ??= describe(e);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { completed: latenciesMs.length, errors, firstError, latenciesMs, wallMs: performance.now() - t0 };
}

/** An error and its chain of causes on one line (the cause of an INTERNAL is the clue). */
export function describe(e: unknown): string {
  const parts: string[] = [];
  for (let x: unknown = e, depth = 0; x !== undefined && x !== null && depth < 4; depth++) {
    if (x instanceof Error) {
      const code = (x as { code?: unknown }).code;
      parts.push(`${typeof code === 'string' ? `${code}: ` : ''}${x.message}${depth > 0 ? ` @ ${(x.stack ?? '').split('\n')[1]?.trim() ?? ''}` : ''}`);
      x = x.cause;
    } else {
      parts.push(typeof x === 'string' ? x : (JSON.stringify(x) ?? typeof x));
      break;
    }
  }
  return parts.join(' <- ');
}
