/** Starts and talks to test/load/_attacker.js child processes (see there). */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { within } from '../_util/wait.js';

const HELPER = fileURLToPath(new URL('./_attacker.js', import.meta.url));

export interface AttackerCount {
  readonly open: number;
  readonly opened: number;
  readonly closedByServer: number;
  readonly errors: number;
}

export interface Attacker {
  readonly child: ChildProcess;
  count(): Promise<AttackerCount>;
  stop(): Promise<void>;
}

export async function attacker(port: number, from: string, mode: 'silent' | 'drip' | 'garbage', count: number, renewMs = 20): Promise<Attacker> {
  const child = fork(HELPER, [String(port), from, mode, String(count), String(renewMs)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const started = new Promise<void>((resolve, reject) => {
    child.on('message', (m: { type: string }) => {
      if (m.type === 'started') resolve();
    });
    child.once('exit', (code) => reject(new Error(`the attacker process (${mode} from ${from}) exited early (${String(code)})`)));
  });
  started.catch(() => undefined);
  await within(started, `the attacker process (${mode} from ${from}) to start ${count} connections`);
  return {
    child,
    count: () =>
      within(
        new Promise<AttackerCount>((resolve) => {
          const on = (m: { type: string } & AttackerCount): void => {
            if (m.type !== 'count') return;
            child.off('message', on);
            resolve(m);
          };
          child.on('message', on);
          child.send({ type: 'count' });
        }),
        `the attacker process (${mode} from ${from}) to report its counts`,
        30_000,
      ),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.send({ type: 'exit' });
      const t = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(t);
    },
  };
}
