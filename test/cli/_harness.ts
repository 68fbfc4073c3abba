/**
 * Runs the BUILT command in child processes for the end-to-end tests: temporary homes, free
 * ports, piped input, and a tracker that kills every child at the end. The command is the
 * test-only entry point dist/test/cli/_main.js (the shipped program with cheap key stretching
 * passed in, never read from the environment); test/cli/no-test-switch.test.ts runs the
 * shipped dist/src/cli/main.js itself.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAgents } from './_agents.js';

export const CLI = fileURLToPath(new URL('./_main.js', import.meta.url));

/** Longest any single child may run before the test kills it. */
export const CHILD_TIMEOUT_MS = 60_000;

const children = new Set<ChildProcessWithoutNullStreams>();
/** An empty working directory (so no stray ./users.json is picked up). */
const EMPTY_CWD = mkdtempSync(join(tmpdir(), 'securechat-cwd-'));
const dirs: string[] = [EMPTY_CWD];

export async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'securechat-cli-'));
  dirs.push(d);
  return d;
}

/** Kills every child still running and removes the temporary directories. */
export async function cleanup(): Promise<void> {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
  for (const d of dirs.splice(0)) {
    killAgents(d);
    await rm(d, { recursive: true, force: true });
  }
}

/** A port that was free a moment ago (bind port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface UserSpec {
  readonly username: string;
  readonly password?: string;
  readonly port: number;
  readonly ip?: string;
}

export async function writeUsers(dir: string, users: readonly UserSpec[], name = 'users.json'): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(users.map((u) => ({ username: u.username, ...(u.password === undefined ? {} : { password: u.password }), ip: u.ip ?? '127.0.0.1', port: u.port })), null, 2));
  return path;
}

export interface RunOptions {
  readonly home?: string;
  readonly cwd?: string;
  readonly input?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Keep stdin open after `input` (for start()). */
  readonly keepOpen?: boolean;
  /** Kill the child after this long (default CHILD_TIMEOUT_MS): a bound, not a pass/fail timing. */
  readonly killAfterMs?: number;
}

export interface Result {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export class Proc {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Result>;
  private readonly waiters: { re: RegExp; stream: 'stdout' | 'stderr'; resolve: (m: RegExpMatchArray) => void; reject: (e: Error) => void }[] = [];
  private done = false;

  constructor(readonly child: ChildProcessWithoutNullStreams, readonly label: string, killAfterMs: number = CHILD_TIMEOUT_MS) {
    children.add(child);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      this.stdout += d;
      this.check();
    });
    child.stderr.on('data', (d: string) => {
      this.stderr += d;
      this.check();
    });
    child.stdin.on('error', () => undefined);
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    this.exited = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        children.delete(child);
        this.done = true;
        for (const w of this.waiters.splice(0)) {
          w.reject(new Error(`${label} exited (code ${String(code)}) before ${String(w.re)} appeared on ${w.stream}\n--- stdout\n${this.stdout}\n--- stderr\n${this.stderr}`));
        }
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  private check(): void {
    for (const w of [...this.waiters]) {
      const m = this[w.stream].match(w.re);
      if (m !== null) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  }

  /** Resolves when `re` matches the whole output so far of `stream`. */
  waitFor(re: RegExp, stream: 'stdout' | 'stderr' = 'stderr', timeoutMs = 30_000): Promise<RegExpMatchArray> {
    const m = this[stream].match(re);
    if (m !== null) return Promise.resolve(m);
    if (this.done) return Promise.reject(new Error(`${this.label} already exited; ${String(re)} not on ${stream}:\n${this[stream]}`));
    return new Promise((resolve, reject) => {
      const w = { re, stream, resolve, reject };
      this.waiters.push(w);
      setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) {
          this.waiters.splice(i, 1);
          reject(new Error(`${this.label}: ${String(re)} did not appear on ${stream}\n--- stdout\n${this.stdout}\n--- stderr\n${this.stderr}`));
        }
      }, timeoutMs).unref();
    });
  }

  write(text: string): void {
    this.child.stdin.write(text);
  }

  end(): void {
    this.child.stdin.end();
  }

  kill(sig: NodeJS.Signals = 'SIGTERM'): void {
    this.child.kill(sig);
  }
}

export function testEnv(home: string | undefined, extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', NO_COLOR: '1', ...extra };
  if (home !== undefined) env['SECURECHAT_HOME'] = home;
  return env;
}

/** Starts the command; stdin stays open unless `input` is given without `keepOpen`. */
export function start(args: readonly string[], o: RunOptions = {}): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: o.cwd ?? EMPTY_CWD, env: testEnv(o.home, o.env), stdio: 'pipe' });
  const p = new Proc(child, `securechat ${args.join(' ')}`, o.killAfterMs);
  if (o.input !== undefined) p.write(o.input);
  if (o.input !== undefined && o.keepOpen !== true) p.end();
  return p;
}

/** `script` from util-linux gives the command a pseudo-terminal (stdout and stderr merge on it). */
export const SCRIPT = '/usr/bin/script';

/** Starts the command on a pseudo-terminal (`script -qfec CMD /dev/null`). Type with `write`. */
export function startPty(args: readonly string[], o: RunOptions = {}): Proc {
  const quote = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;
  const cmd = [process.execPath, CLI, ...args].map(quote).join(' ');
  const child = spawn(SCRIPT, ['-qfec', cmd, '/dev/null'], { cwd: o.cwd ?? EMPTY_CWD, env: { ...testEnv(o.home, o.env), TERM: 'dumb' }, stdio: 'pipe' });
  return new Proc(child, `pty: securechat ${args.join(' ')}`);
}

/** Runs the command to the end with `input` on stdin (empty if not given). */
export function run(args: readonly string[], o: RunOptions = {}): Promise<Result> {
  const p = start(args, { ...o, input: o.input ?? '' });
  return p.exited;
}

/** Parses --json output: every non-empty stdout line must be one JSON object with an "event". */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const v: unknown = JSON.parse(l);
      if (typeof v !== 'object' || v === null || Array.isArray(v) || typeof (v as Record<string, unknown>)['event'] !== 'string') throw new Error(`not an event line: ${l}`);
      return v as Record<string, unknown>;
    });
}

/** A listener started and ready: resolves with its Proc once it says it is listening. */
export async function startListener(args: readonly string[], o: RunOptions = {}): Promise<Proc> {
  const p = start(['listen', ...args], o);
  await p.waitFor(/is listening on/);
  return p;
}

export { writeFile };
