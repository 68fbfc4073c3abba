/**
 * The agent process's socket side: one agent per home (the lock file decides, atomically, who
 * that is), a Unix socket inside the 0700 home, JSON-RPC 2.0 over newline-delimited JSON
 * (rpc.ts, docs/AGENT-API.md), and an idle exit when nobody uses it.
 *
 * A socket file left by an agent that crashed is stale: whoever wins the lock (a stale lock of
 * a dead pid is broken by `acquireLock`) removes it and listens in its place.
 */
import { promises as fsp } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { KsfParams } from '../crypto/opaque.js';
import { isSecureChatError } from '../errors.js';
import { explain } from '../app/errors-text.js';
import { ExitCode } from '../app/exit-codes.js';
import { ensurePrivateDir } from '../fs/private-files.js';
import { acquireLock, type LogLock } from '../fs/lock.js';
import { AGENT_CLIENT_MAX_QUEUED_BYTES, AGENT_IDLE_EXIT_MS, AGENT_MAX_CLIENTS } from '../limits.js';
import { Messenger } from '../app/messenger.js';
import { OutboxRunner } from '../app/outbox-runner.js';
import type { OutboxLimits } from '../app/outbox.js';
import { realTimers, type TimerHandle, type Timers } from '../transport/timers.js';
import { DirectRoute } from '../app/outbox-route.js';
import { RelayMailboxes } from '../app/relay-mailbox.js';
import { RelayRoute } from '../app/relay-route.js';
import type { JsonEvent } from '../app/host.js';
import type { Feed } from '../app/listening.js';
import { handle, type Peer } from './methods.js';
import type { ContactsState } from './methods-contacts.js';
import { FeedHub } from '../app/feed-hub.js';
import { Pages } from './page.js';
import { attachFiles } from './methods-files.js';
import type { FileService } from '../files/service.js';
import { agentPaths, lockOwner, processAlive, type AgentPaths } from './paths.js';
import { encodeError, encodeNotification, encodeResult, LineSplitter, parseLine, RpcCode, RpcFailure, type JsonObject } from './rpc.js';

export interface AgentOptions {
  readonly home: string;
  /** Key-stretching parameters for passwords registered by this agent (injected; cheap ones only from a test entry). */
  readonly ksf: KsfParams;
  readonly idleMs?: number;
  /** The idle exit's timer (default real timers; tests inject a manual clock: test/transport/_manual-timers.ts). */
  readonly timers?: Timers;
  /** The outbox's timer and limits (default real timers, DEFAULT_OUTBOX_LIMITS; tests: a manual clock, a short expiry). */
  readonly outbox?: { readonly timers?: Timers; readonly limits?: OutboxLimits; readonly jitter?: () => number };
}

export type StartResult =
  | { readonly started: true; readonly agent: RunningAgent }
  | { readonly started: false; readonly pid: number };

export interface RunningAgent {
  readonly paths: AgentPaths;
  /** Resolves when the agent has stopped (asked to, idle, or a signal). */
  readonly stopped: Promise<void>;
  stop(): Promise<void>;
}

/** Becomes the agent of `home`, or reports the pid of the one already running. */
export async function startAgent(o: AgentOptions): Promise<StartResult> {
  const paths = agentPaths(o.home);
  await ensurePrivateDir(o.home);
  let lock: LogLock | undefined;
  for (let attempt = 0; lock === undefined; attempt++) {
    try {
      lock = await acquireLock(paths.lock);
    } catch (e) {
      const pid = isSecureChatError(e) && e.code === 'STORAGE_ERROR' ? await lockOwner(paths).catch(() => undefined) : undefined;
      if (pid !== undefined && processAlive(pid)) return { started: false, pid };
      // Its owner died between the lock's check and ours (a crashed agent being reaped): the lock is stale now, take it.
      if (!isSecureChatError(e) || e.code !== 'STORAGE_ERROR' || attempt >= 3) throw e;
    }
  }
  try {
    await fsp.rm(paths.socket, { force: true }); // stale: its agent is gone (we hold the lock)
    const agent = new Agent(o, paths, lock);
    await agent.listen();
    return { started: true, agent };
  } catch (e) {
    await lock.release();
    throw e;
  }
}

class Agent implements RunningAgent, ContactsState {
  readonly paths: AgentPaths;
  readonly stopped: Promise<void>;
  readonly startedAt = Date.now();
  readonly messenger: Messenger;
  readonly outbox: OutboxRunner;
  readonly relay: RelayMailboxes;
  readonly ksf: KsfParams;
  readonly feeds = new FeedHub();
  readonly pages: Pages;
  readonly files: FileService;
  readonly #lock: LogLock;
  readonly #server: Server;
  readonly #peers = new Set<Peer>();
  readonly #idleMs: number;
  readonly #timers: Timers;
  #idle: TimerHandle | undefined;
  #resolveStopped: () => void = () => undefined;
  #stopping: Promise<void> | undefined;

  constructor(o: AgentOptions, paths: AgentPaths, lock: LogLock) {
    this.paths = paths;
    this.#lock = lock;
    this.#idleMs = o.idleMs ?? AGENT_IDLE_EXIT_MS;
    this.#timers = o.timers ?? realTimers;
    this.ksf = o.ksf;
    this.messenger = new Messenger({ home: o.home, ksf: o.ksf, feed: (user) => this.feeds.feed(user, this.#feedFor(user)), onInbound: (user, peer) => this.outbox.kick(user, peer) });
    // Offline delivery through the relay (docs/RELAY.md §10): tried after the direct route.
    this.relay = new RelayMailboxes({ home: o.home, receive: (as, peer, id, text, at) => this.messenger.receivedViaRelay(as, peer, id, text, at), receipt: (as, _peer, id) => this.outbox.receipted(as, id), feed: (user) => this.feeds.feed(user, this.#feedFor(user)) });
    this.outbox = new OutboxRunner({ home: o.home, route: new RelayRoute(new DirectRoute(this.messenger), this.relay), feed: (user) => this.#feedFor(user), onChange: () => this.touch(), ...o.outbox });
    this.messenger.observe({ conversation: (user, conv) => this.relay.conversation(user, conv) });
    // A message one client wrote shows in the others watching that user (docs/AGENT-API.md §4.5, `sent`).
    this.messenger.observe({ sent: (user, conv, id, text, by) => this.#echoSent(user, conv.info.peer.name, id, text, by) });
    this.files = attachFiles(o.home, this.messenger, (user) => this.feeds.feed(user, this.#feedFor(user))); // docs/FILES.md
    this.pages = new Pages({ home: o.home, ksf: o.ksf, messenger: this.messenger, feeds: this.feeds }, () => this.touch());
    this.stopped = new Promise((r) => {
      this.#resolveStopped = r;
    });
    this.#server = createServer((s) => this.#accept(s));
    // Past AGENT_MAX_CLIENTS a client is told so (#accept); this hard cap only bounds the sockets of those being told.
    this.#server.maxConnections = AGENT_MAX_CLIENTS + 64;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      // Created under umask 077: the socket is never open to others, not even between bind and chmod.
      const umask = process.umask(0o077);
      const failed = (e: Error): void => {
        process.umask(umask);
        reject(e);
      };
      this.#server.once('error', failed);
      this.#server.listen(this.paths.socket, () => {
        process.umask(umask);
        this.#server.off('error', failed);
        this.#server.on('error', () => undefined);
        void fsp.chmod(this.paths.socket, 0o600).catch(() => undefined);
        // What a previous agent left queued (even after kill -9) is loaded before the agent is
        // ready (its status counts it, its idle exit waits for it), and delivered from now on.
        void this.relay.start();
        void this.files.resume().catch(() => undefined); // unfinished file transfers continue
        void this.outbox.resume().catch(() => undefined).finally(() => {
          this.touch();
          resolve();
        });
      });
    });
  }

  get clients(): number {
    return this.#peers.size;
  }

  /** What happens to `user`, as `event` notifications to every client that subscribed to them. */
  #feedFor(user: string): Feed {
    const send = (level: 'status' | 'warn' | 'line', text: string, e?: JsonEvent): void => {
      for (const p of this.#peers) {
        if (p.subscribed.has(user)) p.notify('event', { user, level, text, ...(e === undefined ? {} : { event: e }) });
      }
    };
    return { status: (t, e) => send('status', t, e), warn: (t, e) => send('warn', t, e), line: (t, e) => send('line', t, e) };
  }

  #echoSent(user: string, to: string, id: number, text: string, by: unknown): void {
    for (const p of this.#peers) {
      if (p !== by && p.subscribed.has(user)) p.notify('event', { user, level: 'line', text, event: { event: 'sent', from: user, to, id, text, sentAt: new Date().toISOString() } });
    }
  }

  /** Re-arms the idle exit: it runs only when no client is connected, nothing is in flight, no page is open and the outbox is empty. */
  touch(): void {
    this.#idle?.cancel();
    this.#idle = undefined;
    if (this.#stopping !== undefined || this.#peers.size > 0 || this.messenger.busy || this.messenger.listening || this.outbox.pending || this.files.pending || this.pages.active) return;
    this.#idle = this.#timers.after(this.#idleMs, () => {
      if (this.#peers.size === 0 && !this.messenger.busy && !this.messenger.listening && !this.outbox.pending && !this.pages.active) void this.stop();
      else this.touch();
    });
  }

  #accept(socket: Socket): void {
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    if (this.#peers.size >= AGENT_MAX_CLIENTS) {
      // One sentence and a stable code instead of a dropped connection ("lost during the handshake").
      const sentence = `the agent for ${this.paths.home} already serves ${AGENT_MAX_CLIENTS} clients, the most it takes; end some \`chat\` or \`listen\` commands of this home (or wait for them), then try again`;
      socket.end(encodeError(null, { code: RpcCode.TOO_MANY_CLIENTS, message: sentence, data: { code: 'TOO_MANY_CONNECTIONS', exit: ExitCode.NETWORK, sentence } }));
      return;
    }
    // A client that does not read (a stopped terminal, `listen | less`) must not grow our memory:
    // past AGENT_CLIENT_MAX_QUEUED_BYTES of unread responses and events it is disconnected.
    const write = (line: string): void => {
      if (socket.writableLength > AGENT_CLIENT_MAX_QUEUED_BYTES) {
        socket.destroy();
        return;
      }
      socket.write(line);
    };
    const lines = new LineSplitter();
    const peer: Peer = {
      subscribed: new Set(),
      holds: [],
      links: [],
      notify: (method, params) => {
        if (!socket.destroyed) write(encodeNotification({ method, params }));
      },
      end: () => socket.end(),
    };
    this.#peers.add(peer);
    this.touch();
    const reply = (s: string): void => {
      if (!socket.destroyed) write(s);
    };
    socket.on('data', (chunk: string) => {
      const got = lines.push(chunk);
      if (got === null) {
        reply(encodeError(null, { code: RpcCode.INVALID_REQUEST, message: 'line too long' }));
        socket.destroy();
        return;
      }
      for (const line of got) {
        const m = parseLine(line);
        if (m.type === 'invalid') reply(encodeError(m.id, { code: m.code, message: m.message }));
        else if (m.type === 'request') {
          const { id } = m.request;
          handle(this, peer, m.request).then(
            (result) => reply(encodeResult(id, result)),
            (e: unknown) => reply(encodeError(id, rpcErrorOf(e))),
          ).finally(() => this.touch());
        }
        // notifications and responses from a client are ignored (the API defines none)
      }
    });
    socket.on('close', () => {
      this.#peers.delete(peer);
      // A client that asked to listen for as long as it is connected has gone: drop its holds.
      void Promise.allSettled([
        ...peer.holds.splice(0).map((u) => this.messenger.unlisten(u)),
        ...peer.links.splice(0).map((l) => this.messenger.release(l.as, l.to)),
      ]).then(() => this.touch());
    });
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#idle?.cancel();
      this.#server.close();
      this.outbox.close();
      await this.relay.close();
      this.files.close();
      await this.pages.close();
      await this.messenger.close();
      await fsp.rm(this.paths.socket, { force: true }).catch(() => undefined);
      await this.#lock.release();
      for (const p of this.#peers) p.end();
      this.#resolveStopped();
    })();
    return this.#stopping;
  }
}

/**
 * An RPC failure as JSON-RPC's error object: handlers throw `RpcFailure`; a SecureChatError that
 * escaped a handler is still answered with its stable code and sentence; anything else is a bug.
 */
function rpcErrorOf(e: unknown): { code: number; message: string; data?: JsonObject } {
  if (e instanceof RpcFailure) return { code: e.rpcCode, message: e.message, ...(e.data === undefined ? {} : { data: e.data }) };
  if (isSecureChatError(e)) {
    const x = explain(e, { established: false });
    return { code: RpcCode.FAILED, message: x.sentence, data: { code: x.code, exit: x.exit, sentence: x.sentence } };
  }
  return { code: RpcCode.FAILED, message: 'internal error in the agent', data: { code: 'INTERNAL', exit: 1, sentence: 'something unexpected went wrong in the agent (a bug in securechat); see agent.log in the home' } };
}
