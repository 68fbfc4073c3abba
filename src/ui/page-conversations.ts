/**
 * The page's conversations: the messenger's conversations of the local user (one the terminal
 * opened shows here, one the page opens shows in the terminal), each with its messages (history
 * from the log first), receipts and end; writing on one, and ending it. The messenger stays the
 * only writer of the log: what the page shows of a message comes from its observer
 * (src/app/observer.ts), after the log and the duplicate check.
 */
import { SUITE_NAMES } from '../crypto/aead.js';
import { localError } from '../errors.js';
import { formatAddress, formatFingerprint, keyFingerprint } from '../identity/index.js';
import type { Conversation } from '../chat/conversation.js';
import type { FailContext } from '../app/errors-text.js';
import type { Reporter } from '../app/host.js';
import { DEFAULT_HISTORY, history } from '../app/history.js';
import type { Target } from '../app/target.js';
import { uiError, withContext } from './errors.js';
import type { PageContext } from './page-context.js';
import type { ConversationView, MessageView } from './protocol.js';

interface Entry {
  readonly id: string;
  readonly conv: Conversation;
  readonly origin: 'in' | 'out';
  readonly messages: MessageView[];
  /** The target of the page's own hold on this conversation (released on End). */
  held?: Target | undefined;
  ended?: { readonly sentence: string; readonly code?: string };
}

export class PageConversations {
  readonly #ctx: PageContext;
  readonly #entries = new Map<string, Entry>();
  readonly #byConv = new Map<Conversation, Entry>();
  readonly #off: (() => void)[] = [];
  #nextId = 1;

  constructor(ctx: PageContext) {
    this.#ctx = ctx;
    const me = ctx.self().name;
    this.#off.push(
      ctx.core.messenger.observe({
        conversation: (user, conv, origin) => {
          if (user === me) this.#adopt(conv, origin);
        },
        sent: (user, conv, id, text, by) => {
          if (user !== me || by === this) return;
          this.#push(this.#byConv.get(conv) ?? this.#adopt(conv, 'out'), { direction: 'out', id, text, at: Date.now(), delivered: false });
        },
        // From the messenger, after the log and its duplicate check: a retried message shows once.
        received: (user, conv, m) => {
          if (user !== me) return;
          this.#push(this.#byConv.get(conv) ?? this.#adopt(conv, 'out'), { direction: 'in', id: m.id, text: m.text, at: m.receivedAt, delivered: true });
        },
      }),
    );
    for (const { conv, origin } of ctx.core.messenger.conversations(me)) this.#adopt(conv, origin);
  }

  views(): ConversationView[] {
    return [...this.#entries.values()].map((e) => this.#view(e));
  }

  /**
   * After a hold on `target` succeeded: the open conversation we made with `peer` becomes the
   * page's (its one hold); its view, or undefined when it ended at once.
   */
  async heldBy(peer: string, target: Target): Promise<ConversationView | undefined> {
    const m = this.#ctx.core.messenger;
    const me = this.#ctx.self().name;
    const entry = [...this.#entries.values()].reverse().find((e) => e.conv.isOpen && e.conv.info.peer.name === peer && e.origin === 'out');
    if (entry === undefined) {
      await m.release(me, target);
      return undefined;
    }
    if (entry.held === undefined) entry.held = target;
    else await m.release(me, target); // one hold per conversation is the page's
    return this.#view(entry);
  }

  #entry(id: string): Entry {
    const e = this.#entries.get(id);
    if (e === undefined) throw localError('USAGE', 'that conversation does not exist (any more); choose a contact to start a new one');
    return e;
  }

  /** Writes `text` on conversation `id`; resolves once it left (its receipt arrives as an event). */
  send(id: string, text: string): Promise<MessageView> {
    const entry = this.#entry(id);
    const peer = entry.conv.info.peer.name;
    const ctx: FailContext = { established: true, peer };
    if (text === '') return Promise.reject(withContext(localError('USAGE', 'the message is empty'), ctx));
    let sent: MessageView | undefined;
    const report: Reporter = {
      status: (_t, e) => {
        if (e?.event === 'sent' && typeof e['id'] === 'number' && sent === undefined) {
          sent = { direction: 'out', id: e['id'], text, at: Date.now(), delivered: false };
          this.#push(entry, sent);
        }
      },
      warn: () => undefined,
    };
    // say() writes synchronously before its first await: `sent` is known when it returns.
    const delivery = this.#ctx.core.messenger.say(this.#ctx.self().name, peer, text, report, ctx, undefined, this);
    delivery.catch((e: unknown) => {
      if (sent !== undefined) this.#ctx.emit({ type: 'notice', level: 'error', message: uiError(e, ctx).message });
    });
    if (sent !== undefined) return Promise.resolve(sent);
    return delivery.then(
      () => Promise.reject(withContext(localError('INTERNAL', 'the message left without an id'), ctx)),
      (e: unknown) => Promise.reject(withContext(e, ctx)),
    );
  }

  /** Ends conversation `id` (an authenticated close), or dismisses it when it has ended. */
  async close(id: string): Promise<void> {
    const entry = this.#entry(id);
    if (!entry.conv.isOpen) {
      this.#entries.delete(id);
      this.#byConv.delete(entry.conv);
      this.#ctx.changed();
      return;
    }
    const held = entry.held;
    entry.held = undefined;
    if (held !== undefined) await this.#ctx.core.messenger.release(this.#ctx.self().name, held);
    if (entry.conv.isOpen) await entry.conv.close();
  }

  /** Stops watching and releases the page's holds (the page is closing). */
  async release(): Promise<void> {
    for (const f of this.#off.splice(0)) f();
    const held = [...this.#entries.values()].flatMap((e) => (e.held === undefined ? [] : [e.held]));
    for (const e of this.#entries.values()) e.held = undefined;
    const me = this.#ctx.self().name;
    await Promise.allSettled(held.map((t) => this.#ctx.core.messenger.release(me, t)));
  }

  #view(e: Entry): ConversationView {
    const i = e.conv.info;
    return {
      id: e.id,
      peer: i.peer.name,
      peerState: i.peerState,
      fingerprint: formatFingerprint(keyFingerprint(i.peer.identityKey)),
      address: formatAddress(i.remoteAddress, i.remotePort),
      suite: SUITE_NAMES[i.suite],
      origin: e.origin,
      open: e.conv.isOpen,
      ...(e.ended === undefined ? {} : { ended: e.ended.sentence, ...(e.ended.code === undefined ? {} : { endCode: e.ended.code }) }),
      messages: [...e.messages],
    };
  }

  #push(entry: Entry, message: MessageView): void {
    entry.messages.push(message);
    this.#ctx.emit({ type: 'message', conversation: entry.id, message });
  }

  /** Shows a conversation of the messenger's: its history from the log, then what happens on it. */
  #adopt(conv: Conversation, origin: 'in' | 'out'): Entry {
    const have = this.#byConv.get(conv);
    if (have !== undefined) return have;
    const entry: Entry = { id: `c${this.#nextId++}`, conv, origin, messages: [] };
    this.#entries.set(entry.id, entry);
    this.#byConv.set(conv, entry);
    const peer = conv.info.peer.name;
    const since = Date.now();
    void history(this.#ctx.self().dir, peer, DEFAULT_HISTORY)
      .then((found) => {
        const old = found.items.filter((h) => h.at < since).map((h): MessageView => ({ direction: h.direction, id: 0, text: h.text, at: h.at, delivered: h.direction === 'out', history: true }));
        entry.messages.unshift(...old);
      })
      .catch(() => undefined)
      .finally(() => this.#ctx.changed());
    conv.on('receipt', (n) => {
      const i = entry.messages.findIndex((x) => x.direction === 'out' && x.id === n && x.history !== true);
      const old = entry.messages[i];
      if (old !== undefined) entry.messages[i] = { ...old, delivered: true };
      this.#ctx.emit({ type: 'receipt', conversation: entry.id, id: n });
    });
    conv.on('closed', (reason, error) => {
      if (error !== undefined) {
        const x = uiError(error, { established: true, peer });
        entry.ended = { sentence: x.message, code: x.code };
      } else entry.ended = { sentence: reason === 'peer' ? `${peer} left the conversation` : 'you closed the conversation' };
      const held = entry.held;
      entry.held = undefined;
      if (held !== undefined) void this.#ctx.core.messenger.release(this.#ctx.self().name, held).catch(() => undefined);
      this.#ctx.changed();
    });
    this.#ctx.changed();
    return entry;
  }
}
