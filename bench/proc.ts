/**
 * Bench helper processes: `fork` dist/bench/child.js and talk to it with request/reply
 * messages over the IPC channel. Every child is killed when the bench ends.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));
/**
 * `node --cpu-prof --cpu-prof-dir DIR dist/bench/main.js ...` profiles the helper processes
 * too, into the same directory (summarise with `node scripts/profile-summary.mjs FILE`).
 */
const PROFILE = ((): string[] => {
  const i = process.execArgv.indexOf('--cpu-prof-dir');
  const dir = i >= 0 ? process.execArgv[i + 1] : process.execArgv.find((a) => a.startsWith('--cpu-prof-dir='))?.slice('--cpu-prof-dir='.length);
  return process.execArgv.includes('--cpu-prof') && dir !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
})();
const live = new Set<ChildProcess>();

export interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: string;
}

export class Helper {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #next = 1;
  readonly exited: Promise<void>;

  constructor(readonly label: string, execArgv: readonly string[] = []) {
    this.#child = fork(CHILD, [label], { execArgv: [...PROFILE, ...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    live.add(this.#child);
    this.#child.on('message', (m: Reply) => {
      const w = this.#waiting.get(m.id);
      if (w === undefined) return;
      this.#waiting.delete(m.id);
      if (m.ok) w.resolve(m.value);
      else w.reject(new Error(`${label}: ${m.error ?? 'failed'}`));
    });
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', () => {
        live.delete(this.#child);
        for (const w of this.#waiting.values()) w.reject(new Error(`${label} exited`));
        this.#waiting.clear();
        resolve();
      });
    });
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  /** Sends `op` with `args`; resolves with the child's answer. */
  call<T>(op: string, args: unknown = {}): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve: (v) => resolve(v as T), reject });
      this.#child.send({ id, op, args });
    });
  }

  /** Asks the child to exit; kills it if it has not within a second. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.send({ id: 0, op: 'exit', args: {} });
    const t = setTimeout(() => this.#child.kill('SIGKILL'), 1_000);
    await this.exited;
    clearTimeout(t);
  }
}

/** Kills every helper still running (on the way out, also after a failure). */
export function killAll(): void {
  for (const c of live) c.kill('SIGKILL');
  live.clear();
}
