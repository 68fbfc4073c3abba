/**
 * A client of the agent: connects to the socket in the home and, when nobody answers there,
 * starts the agent in the background (as gpg-agent is started) and connects once it says it
 * is ready. Requests are JSON-RPC 2.0 (rpc.ts); `progress` notifications for a request go to
 * that request's callback, `event` notifications to `onEvent`.
 */
import { spawn } from 'node:child_process';
import { closeSync, lstatSync, openSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { isSecureChatError, localError, type SecureChatError } from '../errors.js';
import { ensurePrivateDir, errnoCode } from '../fs/private-files.js';
import { AGENT_START_TIMEOUT_MS } from '../limits.js';
import { acquireLock, processAlive, readPid, type LogLock } from '../fs/lock.js';
import { agentPaths } from './paths.js';
import { SentenceError } from '../app/errors-text.js';
import { AGENT_API_VERSION, encodeRequest, LineSplitter, parseLine, RpcCode, type Json, type JsonObject, type RpcErrorObject } from './rpc.js';

/** A JSON-RPC error answer from the agent. */
export class AgentError extends Error {
  constructor(readonly error: RpcErrorObject) {
    super(error.message);
  }
}

export type ProgressFn = (p: JsonObject) => void;

export class AgentClient {
  readonly #socket: Socket;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (v: Json) => void; reject: (e: unknown) => void; progress?: ProgressFn | undefined }>();
  #onEvent: (e: JsonObject) => void = () => undefined;
  #closed = false;
  /** Why the agent refused this connection (it serves as many clients as it takes), if it did. */
  #refused: SecureChatError | undefined;
  #onClose: (() => void)[] = [];

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    const lines = new LineSplitter();
    socket.on('data', (chunk: string) => {
      const got = lines.push(chunk);
      if (got === null) {
        socket.destroy();
        return;
      }
      for (const l of got) this.#line(l);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.#closed = true;
      const e = this.#refused ?? localError('CONNECTION_LOST', 'the agent went away');
      for (const w of this.#pending.values()) w.reject(e);
      this.#pending.clear();
      for (const f of this.#onClose.splice(0)) f();
    });
  }

  /** Connects to the agent of `home` if one runs; undefined when none does. */
  static async tryConnect(home: string): Promise<AgentClient | undefined> {
    const socket = await connectSocket(agentPaths(home).socket);
    if (socket === undefined) return undefined;
    const c = new AgentClient(socket);
    await c.#hello();
    return c;
  }

  /**
   * Connects to the agent of `home`, starting it first when none runs (`command` starts
   * `securechat agent run`). Of many commands that find no agent at once, one takes the start
   * lock (`agent.start`) and starts it; the others wait for its socket while that command lives,
   * so 50 commands started together start one agent, not 50 that race for the agent lock.
   */
  static async connect(home: string, command: AgentCommand): Promise<AgentClient> {
    const first = await AgentClient.tryConnect(home);
    if (first !== undefined) return first;
    await ensurePrivateDir(home);
    const paths = agentPaths(home);
    const deadline = Date.now() + AGENT_START_TIMEOUT_MS;
    const notUp = (): SecureChatError => new SentenceError('NETWORK_ERROR', `the agent for ${home} did not start, or did not answer on its socket; see ${paths.log} for why, then try again`);
    for (;;) {
      let start: LogLock | undefined;
      try {
        start = await acquireLock(paths.start);
      } catch (e) {
        if (!isSecureChatError(e) || e.code !== 'STORAGE_ERROR') throw e;
      }
      if (start !== undefined) {
        try {
          const raced = await AgentClient.tryConnect(home); // the previous starter finished meanwhile
          if (raced !== undefined) return raced;
          const said = await spawnAgent(home, command);
          // Ready: it listens. Running: another agent holds the agent lock (one started by hand,
          // or one whose socket is not up yet): wait for its socket while it lives.
          const c = await waitForSocket(home, said === 'ready' ? undefined : paths.lock, Date.now() + AGENT_START_TIMEOUT_MS);
          if (c !== undefined) return c;
          // That other agent went away without answering (a crashed one not yet reaped looks
          // alive for a moment): start ours again, within the deadline.
          if (said === 'ready' || Date.now() > deadline) throw notUp();
        } finally {
          await start.release();
        }
        continue;
      }
      // Another command is starting the agent: wait for the socket while it holds the start lock.
      const c = await waitForSocket(home, paths.start, deadline);
      if (c !== undefined) return c;
      if (Date.now() > deadline) throw notUp();
      // It gave up or died without an agent: try to start one ourselves.
    }
  }

  async #hello(): Promise<void> {
    const r = await this.call('hello', { api: AGENT_API_VERSION });
    const api = typeof r === 'object' && r !== null && !Array.isArray(r) ? (r as JsonObject)['api'] : undefined;
    if (api !== AGENT_API_VERSION) {
      this.close();
      throw localError('CONFIG', `the running agent speaks API version ${JSON.stringify(api ?? null)}, this securechat speaks ${AGENT_API_VERSION}; stop it with \`securechat agent stop\` and try again`);
    }
  }

  /** Calls `method`; `progress` receives this request's progress notifications. */
  call(method: string, params: JsonObject, progress?: ProgressFn): Promise<Json> {
    if (this.#closed) return Promise.reject(this.#refused ?? localError('CONNECTION_LOST', 'the agent went away'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, progress });
      this.#socket.write(encodeRequest({ id, method, params }));
    });
  }

  /** Receives every `event` notification (after `subscribe`). */
  onEvent(fn: (e: JsonObject) => void): void {
    this.#onEvent = fn;
  }

  /** Runs `fn` when the connection to the agent ends. */
  onClose(fn: () => void): void {
    if (this.#closed) fn();
    else this.#onClose.push(fn);
  }

  close(): void {
    this.#socket.end();
  }

  #line(line: string): void {
    const m = parseLine(line);
    if (m.type === 'notification') {
      const p = m.notification.params;
      if (m.notification.method === 'progress') {
        const w = typeof p['request'] === 'number' ? this.#pending.get(p['request']) : undefined;
        w?.progress?.(p);
      } else if (m.notification.method === 'event') this.#onEvent(p);
      return;
    }
    if (m.type === 'response' && m.response.id === null && 'error' in m.response && m.response.error.code === RpcCode.TOO_MANY_CLIENTS) {
      const d = m.response.error.data ?? {};
      this.#refused = new SentenceError('TOO_MANY_CONNECTIONS', typeof d['sentence'] === 'string' ? d['sentence'] : m.response.error.message);
      return;
    }
    if (m.type !== 'response' || typeof m.response.id !== 'number') return;
    const w = this.#pending.get(m.response.id);
    if (w === undefined) return;
    this.#pending.delete(m.response.id);
    if ('result' in m.response) w.resolve(m.response.result);
    else w.reject(new AgentError(m.response.error));
  }
}

/**
 * Connects once `home`'s agent socket answers, retrying with a short backoff while the process
 * named in `lockPath` lives (undefined: one try). Undefined when that process is gone, or has
 * released the lock, without an agent answering, or at `deadline` (a safety net).
 */
async function waitForSocket(home: string, lockPath: string | undefined, deadline: number): Promise<AgentClient | undefined> {
  for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
    const c = await AgentClient.tryConnect(home);
    if (c !== undefined) return c;
    if (lockPath === undefined || Date.now() > deadline) return undefined;
    const owner = await readPid(lockPath);
    if (owner === undefined || !processAlive(owner)) return AgentClient.tryConnect(home);
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** How to start `securechat agent run` in a child process: the same node and entry script as this one. */
export interface AgentCommand {
  readonly execPath: string;
  readonly args: readonly string[];
}

/** This process's own entry (a test entry stays a test entry, with what it injects). */
export function selfCommand(home: string): AgentCommand {
  const entry = process.argv[1] ?? '';
  return { execPath: process.execPath, args: [...process.execArgv, entry, 'agent', 'run', '--home', home, '--json'] };
}

/**
 * The socket must be ours before we send anything (passwords travel in `send` and `open`): a
 * socket owned by another user, or open to group or others, is refused, never connected to.
 */
function checkSocketOwner(path: string): void {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return; // no socket: the connect below finds none
  }
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  if (!st.isSocket() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) {
    throw localError('CONFIG', `the agent socket ${path} is not a private socket of yours (owner or mode wrong); remove it, check the home's permissions (0700), and try again`);
  }
}

function connectSocket(path: string): Promise<Socket | undefined> {
  checkSocketOwner(path);
  return new Promise((resolve, reject) => {
    const s = netConnect(path);
    s.once('connect', () => {
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (e) => {
      const code = errnoCode(e);
      // No socket file, or a file nobody listens on (an agent that crashed): no agent.
      if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ENOTSOCK' || code === 'EACCES') resolve(undefined);
      else reject(localError('NETWORK_ERROR', `cannot reach the agent at ${path}: ${code ?? 'error'}`, e));
    });
  });
}

/**
 * Starts the agent detached; resolves when it said `ready` (it listens) or `running` (another
 * agent won the start race). Its later output goes to agent.log in the home.
 */
function spawnAgent(home: string, command: AgentCommand): Promise<'ready' | 'running'> {
  const log = openSync(agentPaths(home).log, 'a', 0o600);
  let child;
  try {
    child = spawn(command.execPath, [...command.args], { detached: true, stdio: ['ignore', 'pipe', log] });
  } finally {
    closeSync(log);
  }
  const stdout = child.stdout;
  if (stdout === null) return Promise.reject(localError('INTERNAL', 'the agent has no output pipe'));
  return new Promise((resolve, reject) => {
    let out = '';
    let settled = false;
    const done = (e: SecureChatError | null, v?: 'ready' | 'running'): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stdout.removeAllListeners('data');
      stdout.destroy();
      child.removeAllListeners('close');
      child.unref();
      if (e !== null) reject(e);
      else resolve(v ?? 'ready');
    };
    const timer = setTimeout(() => done(new SentenceError('NETWORK_ERROR', `the agent did not start within ${AGENT_START_TIMEOUT_MS / 1000} s; see ${agentPaths(home).log} for why, then try again`)), AGENT_START_TIMEOUT_MS);
    stdout.setEncoding('utf8');
    stdout.on('data', (d: string) => {
      out += d;
      const m = /"state":"(ready|running)"/.exec(out);
      if (m !== null) done(null, m[1] === 'running' ? 'running' : 'ready');
    });
    child.on('error', (e) => done(localError('INTERNAL', 'could not start the agent', e)));
    child.on('close', (code) => done(new SentenceError('NETWORK_ERROR', `the agent exited as it started (code ${String(code)}); see ${agentPaths(home).log} for why, then try again`)));
  });
}
