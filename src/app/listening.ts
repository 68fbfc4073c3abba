/**
 * A local user's listener, run by the agent: serves many peers at once, logs every message
 * before its receipt goes out, and tells what happens as `Feed` lines (each with its JSON
 * fact) for whoever watches that user. A failed login is logged (docs/PROTOCOL.md §4.8).
 */
import { RefusalNotices } from './refusal-notices.js';
import { FileContactBook, FileInvitationBook } from './contact-book.js';
import { loadUsersFile, type UsersFile } from '../identity/index.js';
import { listen, type Listener, type ListenerEvent } from '../chat/listener.js';
import type { Conversation } from '../chat/conversation.js';
import { announcePeer } from './announce.js';
import { explain } from './errors-text.js';
import type { JsonEvent, Reporter } from './host.js';
import type { ConversationLog } from './log-sink.js';
import { KnownPeersPolicy } from './policy.js';
import { listenerAccount, localIdentity, type Self } from './self.js';
import type { AppHost } from './host.js';

/** What a watcher of a user sees: status lines, warnings, and message lines. */
export interface Feed extends Reporter {
  line(text: string, e: JsonEvent): void;
}

export interface ListenRequest {
  readonly host?: string | undefined;
  readonly port: number;
  readonly usersPath?: string | undefined;
}

export interface Listening {
  readonly port: number;
  readonly host: string;
  /** Open conversations that came in. */
  readonly open: Set<Conversation>;
  close(): Promise<void>;
}

/** Starts listening as `self`; `adopt` is called for every conversation that comes in (after it is announced). */
export async function startListening(
  host: AppHost,
  self: Self,
  log: ConversationLog,
  req: ListenRequest,
  feed: Feed,
  adopt: (c: Conversation) => void,
): Promise<Listening> {
  const users: UsersFile | undefined = req.usersPath === undefined ? undefined : await loadUsersFile(req.usersPath);
  const selfWithEntry: Self = { ...self, entry: users?.users.find((u) => u.username === self.name) };
  const account = await listenerAccount(host, selfWithEntry, users);
  const policy = await KnownPeersPolicy.load(self.dir, users, (c) => {
    void log.keyChange(c.peer, c.oldFingerprint, c.newFingerprint, false).catch(() => undefined);
  });
  const open = new Set<Conversation>();
  const notices = new RefusalNotices();
  const listener: Listener = await listen({
    ...(req.host === undefined ? {} : { host: req.host }),
    port: req.port,
    account,
    self: localIdentity(self),
    policy,
    contacts: new FileContactBook(self.dir),
    invitations: new FileInvitationBook(self.dir),
    onEvent: (e) => listenerEvent(feed, log, notices, e),
    onConversation: (conv) => {
      open.add(conv);
      // `at`: when it came in, so a watcher shows the history before it (docs/AGENT-API.md §4.10).
      const at = new Date().toISOString();
      announcePeer({ status: (t, e) => feed.status(t, e === undefined ? e : { ...e, at }), warn: (t, e) => feed.warn(t, e) }, conv, 'connected:');
      conv.on('closed', () => open.delete(conv));
      adopt(conv);
    },
  });
  const where = req.host ?? '127.0.0.1';
  return {
    port: listener.port,
    host: where,
    open,
    async close() {
      // Each conversation first, with its authenticated close (the peer hears a proper
      // goodbye); the listener's close then drops whatever socket is still open.
      await Promise.allSettled([...open].map((c) => c.close()));
      await listener.close();
      await policy.settle();
    },
  };
}

/** One line per listener event; a counted failed login is also written to the log. */
function listenerEvent(feed: Feed, log: ConversationLog, notices: RefusalNotices, e: ListenerEvent): void {
  switch (e.type) {
    case 'hello':
      return;
    case 'refused': {
      const line = notices.line(e.remoteAddress, e.code);
      if (line !== null) feed.status(line, { event: 'refused', address: e.remoteAddress, code: e.code });
      return;
    }
    case 'handshake-failed':
    case 'policy-failed': {
      const code = e.error.code;
      if (code === 'PEER_KEY_CHANGED') {
        feed.warn(`refused ${e.remoteAddress}: ${e.error.detail}`, { event: 'error', code, address: e.remoteAddress, message: e.error.detail });
        return;
      }
      const why = code === 'AUTH_FAILED' || code === 'PEER_ALERT' ? 'wrong password, or not a securechat peer' : explain(e.error, { established: false, address: e.remoteAddress }).sentence;
      if (e.type === 'handshake-failed' && e.counted) void log.authFailed(why, e.remoteAddress).catch(() => undefined);
      feed.status(`a connection from ${e.remoteAddress} failed: ${why}`, { event: 'handshake-failed', address: e.remoteAddress, code });
      return;
    }
  }
}

