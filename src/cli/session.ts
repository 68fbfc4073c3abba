/**
 * What send, chat, listen and the interactive flow share once they talk to a peer: where to
 * connect (`--to`), opening the conversation with handshake steps shown, showing the peer's
 * identity and key state, and showing + logging every message and receipt.
 */
import { RefusalNotices } from '../app/refusal-notices.js';
import { wipe } from '../crypto/bytes.js';
import type { SecureChatError } from '../errors.js';
import { formatAddress, type UsersFile } from '../identity/index.js';
import { connect } from '../chat/connect.js';
import { isKeyRefusal, reconnect } from '../chat/reconnect.js';
import { FileContactBook, FileInvitationBook } from '../app/contact-book.js';
import { listen, type Listener, type ListenerEvent } from '../chat/listener.js';
import type { Conversation } from '../chat/conversation.js';
import type { CloseReason, HandshakeStep, ListenerAccount } from '../chat/types.js';
import type { Target } from '../app/target.js';
import type { Cli } from './context.js';
import { clock, printable } from './output.js';
import { explain } from '../app/errors-text.js';
import { history } from '../app/history.js';
import { ConversationLog } from '../app/log-sink.js';
import { KnownPeersPolicy } from '../app/policy.js';
import { localIdentity, type Self } from '../app/self.js';
import { announcePeer as announceTo, endReason } from '../app/announce.js';

/** One line (and one JSON event) about who is on the other end. */
export function announcePeer(cli: Cli, conv: Conversation, verb: string): void {
  announceTo(cli.out, conv, verb);
}

export interface Ended {
  readonly reason: CloseReason;
  readonly error?: SecureChatError;
}

/**
 * Shows and logs what arrives on `conv`; resolves when it ends. The receipt for a message is
 * sent by the chat layer only after the returned append resolved (durably logged, then shown).
 */
export function watch(cli: Cli, conv: Conversation, log: ConversationLog, sent: Map<number, string>, before: Promise<void> = Promise.resolve()): Promise<Ended> {
  const peer = conv.info.peer.name;
  const address = formatAddress(conv.info.remoteAddress, conv.info.remotePort);
  void log.start(peer, conv.info.peer.identityKey, conv.info.peerState, address).catch(() => undefined);
  conv.on('message', async (m) => {
    await before; // history is shown first, and read before this message is in the log
    await log.received(peer, m.id, m.text);
    cli.out.line(`[${clock(m.receivedAt)}] ${cli.out.name(peer)}: ${printable(m.text)}`, {
      event: 'message',
      from: peer,
      to: log.name,
      id: m.id,
      text: m.text,
      sentAt: new Date(m.sentAt).toISOString(),
      receivedAt: new Date(m.receivedAt).toISOString(),
    });
  });
  conv.on('receipt', (id) => {
    const text = sent.get(id) ?? '';
    sent.delete(id);
    const snippet = text.length > 40 ? `${text.slice(0, 37)}...` : text;
    cli.out.status(`delivered #${id} to ${peer}: "${printable(snippet)}"`, { event: 'receipt', from: peer, id });
  });
  return new Promise((resolve) => {
    conv.on('closed', (reason, error) => {
      const why = endReason(peer, reason, error);
      void log.end(peer, why).catch(() => undefined).finally(() => resolve(error === undefined ? { reason } : { reason, error }));
    });
  });
}

/** Shows the last `limit` messages with `peer` from the log, each marked as history. */
export async function showHistory(cli: Cli, userDir: string, peer: string, limit: number): Promise<void> {
  let items;
  try {
    items = await history(userDir, peer, limit);
  } catch (e) {
    cli.out.warn(`the history with ${peer} cannot be shown: ${explain(e, { established: false }).sentence}`);
    return;
  }
  if (items.length === 0) return;
  cli.out.status(`the last ${items.length} message${items.length === 1 ? '' : 's'} with ${peer} (history):`);
  for (const h of items) {
    const who = h.direction === 'out' ? 'you' : cli.out.name(h.peer);
    cli.out.line(`history [${new Date(h.at).toISOString().slice(0, 19).replace('T', ' ')}] ${who}: ${printable(h.text)}`, {
      event: 'history',
      peer: h.peer,
      direction: h.direction,
      text: h.text,
      at: new Date(h.at).toISOString(),
    });
  }
}

/** Sends one text; returns its id and the promise of its log entry. */
export function sendText(conv: Conversation, log: ConversationLog, sent: Map<number, string>, text: string): { id: number; logged: Promise<number> } {
  const id = conv.send(text);
  sent.set(id, text);
  return { id, logged: log.sent(conv.info.peer.name, id, text) };
}

/**
 * The user's log and pinning policy, both closed at exit; a key change the policy sees is
 * written to the log.
 */
export async function openLogAndPolicy(cli: Cli, self: Self, users: UsersFile | undefined): Promise<{ log: ConversationLog; policy: KnownPeersPolicy }> {
  const log = await ConversationLog.open(self.dir, self.name);
  cli.onCleanup(() => log.close());
  const policy = await KnownPeersPolicy.load(self.dir, users, (c) => {
    void log.keyChange(c.peer, c.oldFingerprint, c.newFingerprint, false).catch(() => undefined);
  });
  cli.onCleanup(() => policy.settle());
  return { log, policy };
}

/**
 * One line per listener event; a failed login attempt (a handshake that got past ServerHello
 * and did not complete, docs/PROTOCOL.md §4.8) is also written to the log.
 */
/** This process's refusal notices (one listener per process on this path). */
const refusalNotices = new RefusalNotices();

export function showListenerEvent(cli: Cli, log: ConversationLog, e: ListenerEvent): void {
  switch (e.type) {
    case 'hello':
      return;
    case 'refused': {
      const line = refusalNotices.line(e.remoteAddress, e.code);
      if (line !== null) cli.out.status(line, { event: 'refused', address: e.remoteAddress, code: e.code });
      return;
    }
    case 'handshake-failed':
    case 'policy-failed': {
      const code = e.error.code;
      if (code === 'PEER_KEY_CHANGED') {
        cli.out.warn(`refused ${e.remoteAddress}: ${e.error.detail}`, { event: 'error', code, address: e.remoteAddress, message: e.error.detail });
        return;
      }
      const why = code === 'AUTH_FAILED' || code === 'PEER_ALERT'
        ? 'wrong password, or not a securechat peer'
        : explain(e.error, { established: false, address: e.remoteAddress }).sentence;
      if (e.type === 'handshake-failed' && e.counted) void log.authFailed(why, e.remoteAddress).catch(() => undefined);
      cli.out.status(`a connection from ${e.remoteAddress} failed: ${why}`, { event: 'handshake-failed', address: e.remoteAddress, code });
      return;
    }
  }
}

/**
 * Listens as `self` with the user's log and pinning policy; listener events are shown (and
 * failed logins logged); the listener is closed at exit.
 */
export async function listenAs(
  cli: Cli,
  self: Self,
  account: ListenerAccount,
  ctx: { log: ConversationLog; policy: KnownPeersPolicy },
  where: { host: string | undefined; port: number },
  onConversation: (c: Conversation) => void,
): Promise<Listener> {
  const listener = await listen({
    ...(where.host === undefined ? {} : { host: where.host }),
    port: where.port,
    account,
    self: localIdentity(self),
    policy: ctx.policy,
    contacts: new FileContactBook(self.dir),
    invitations: new FileInvitationBook(self.dir),
    onEvent: (e) => showListenerEvent(cli, ctx.log, e),
    onConversation,
  });
  cli.onCleanup(() => listener.close());
  return listener;
}

export interface Opened {
  readonly conv: Conversation;
  readonly log: ConversationLog;
  readonly policy: KnownPeersPolicy;
}

/**
 * Opens the log, asks for the listener's password, connects and shows each handshake step.
 * The password is wiped once the handshake is over.
 */
export async function openConversation(
  cli: Cli,
  self: Self,
  target: Target,
  users: UsersFile | undefined,
  password?: Uint8Array,
  acceptKsf = false,
  opened?: { log: ConversationLog; policy: KnownPeersPolicy },
): Promise<Opened> {
  cli.fail.peer = target.account;
  cli.fail.address = formatAddress(target.host, target.port);
  const { log, policy } = opened ?? (await openLogAndPolicy(cli, self, users));
  const contacts = new FileContactBook(self.dir);
  const onStep = (s: HandshakeStep): void => cli.out.status(s.text, { event: 'step', step: s.step, text: s.text });
  // A contact reconnects by keys: no password (docs/PROTOCOL.md §10).
  const contact = await contacts.outbound(target.account);
  if (contact !== null) {
    try {
      const r = await reconnect({ host: target.host, port: target.port, contact, contacts, self: localIdentity(self), onStep });
      cli.onCleanup(() => r.saved);
      return openedConversation(cli, r.conv, log, policy);
    } catch (e) {
      if (!isKeyRefusal(e)) throw e;
      cli.out.status(`${target.account} did not accept the reconnect by keys; logging in with the password instead`, { event: 'step', step: 'reconnect-refused', text: 'reconnect refused; password login' });
    }
  }
  const pw = password ?? (await cli.password(`password of ${target.account}: `));
  let conv: Conversation;
  try {
    conv = await connect({
      contacts,
      host: target.host,
      port: target.port,
      account: target.account,
      password: pw,
      self: localIdentity(self),
      policy,
      acceptKsfIncrease: acceptKsf,
      onStep,
    });
  } catch (e) {
    await policy.settle();
    throw e;
  } finally {
    wipe(pw);
  }
  return openedConversation(cli, conv, log, policy);
}

function openedConversation(cli: Cli, conv: Conversation, log: ConversationLog, policy: KnownPeersPolicy): Opened {
  cli.fail.established = true;
  cli.onCleanup(async () => {
    if (conv.isOpen) await conv.close().catch(() => undefined);
  });
  announcePeer(cli, conv, 'talking to');
  return { conv, log, policy };
}
