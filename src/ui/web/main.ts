/// <reference lib="dom" />
/**
 * The page: contacts, conversations, composer, the listener switch. It keeps what the server
 * sent in memory only (sessionStorage holds only the session secret, see api.ts) and renders
 * with DOM calls (text is never parsed as HTML).
 */
import type { ContactView, ConversationView, ListenerView, MessageView, ServerEvent, StateView } from '../protocol.js';
import { ApiFailure, begin, call, events } from './api.js';
import { askPassword, keyChanged, openLog, openVerify } from './dialogs.js';
import { byId, clock, el, sentence } from './dom.js';
import { wireInvitations } from './invitations.js';
import { mountGroups } from './groups.js';

const ui = {
  me: byId('me', HTMLParagraphElement),
  notice: byId('notice', HTMLDivElement),
  contacts: byId('contacts', HTMLUListElement),
  addressForm: byId('address-form', HTMLFormElement),
  address: byId('address', HTMLInputElement),
  showLog: byId('show-log', HTMLButtonElement),
  title: byId('conv-title', HTMLHeadingElement),
  sub: byId('conv-sub', HTMLParagraphElement),
  verify: byId('conv-verify', HTMLButtonElement),
  close: byId('conv-close', HTMLButtonElement),
  messages: byId('messages', HTMLOListElement),
  composer: byId('composer', HTMLFormElement),
  text: byId('composer-text', HTMLTextAreaElement),
  send: byId('composer-send', HTMLButtonElement),
  port: byId('listen-port', HTMLInputElement),
  toggle: byId('listen-toggle', HTMLButtonElement),
  listenStatus: byId('listen-status', HTMLSpanElement),
};

let state: StateView | undefined;
/** Messages per conversation id (mutable copies of what the server sent). */
const messages = new Map<string, MessageView[]>();
const unread = new Map<string, number>();
let current: string | undefined;
let rendered: string | undefined;

const STATE_TEXT = { unknown: 'not met yet', pinned: 'key pinned, not verified', verified: 'verified', changed: 'KEY CHANGED' } as const;

function notice(level: 'info' | 'error', text: string): void {
  ui.notice.hidden = false;
  ui.notice.className = `notice ${level}`;
  ui.notice.setAttribute('role', level === 'error' ? 'alert' : 'status');
  ui.notice.textContent = sentence(text);
}
ui.notice.addEventListener('click', () => {
  ui.notice.hidden = true;
});

function fail(e: unknown): void {
  notice('error', e instanceof ApiFailure ? e.message : 'something unexpected went wrong in the page');
}

const conv = (id: string | undefined): ConversationView | undefined => state?.conversations.find((c) => c.id === id);
const openWith = (peer: string): ConversationView | undefined => state?.conversations.find((c) => c.peer === peer && c.open);

function refresh(): void {
  void call<StateView>('GET', '/api/state').then(setState, fail);
}

/** The seq of the newest state shown (an older one arriving late, e.g. a GET answered before a pushed state, is dropped). */
let shownSeq = -1;

function setState(s: StateView): void {
  if (s.seq < shownSeq) return;
  shownSeq = s.seq;
  state = s;
  for (const c of s.conversations) messages.set(c.id, [...c.messages]);
  for (const id of [...messages.keys()]) if (conv(id) === undefined) messages.delete(id);
  if (current !== undefined && conv(current) === undefined) current = undefined;
  // Nothing chosen yet: show the newest open conversation (an incoming one appears by itself).
  if (current === undefined) current = s.conversations.filter((c) => c.open).at(-1)?.id;
  if (current !== undefined) unread.delete(current);
  ui.me.textContent = `You are ${s.self.name} · your key ${s.self.fingerprint}`;
  renderListener(s.listener);
  renderContacts();
  renderConversation(true);
}

function renderListener(l: ListenerView): void {
  ui.toggle.setAttribute('aria-checked', String(l.on));
  ui.toggle.textContent = l.on ? 'On' : 'Off';
  ui.toggle.disabled = false;
  ui.port.disabled = l.on;
  if (l.on || document.activeElement !== ui.port) ui.port.value = String(l.port);
  ui.listenStatus.textContent = l.on ? `listening on ${l.host}:${l.port}` : 'not listening';
}

function contactItem(c: ContactView): HTMLLIElement {
  const open = openWith(c.name);
  const n = open === undefined ? 0 : (unread.get(open.id) ?? 0);
  const badge = el('span', { class: `badge ${c.keyState}` }, STATE_TEXT[c.keyState]);
  const main = el(
    'button',
    { type: 'button', class: 'contact-main', 'aria-label': `${c.name}, ${STATE_TEXT[c.keyState]}${c.contact !== undefined ? ', a contact (no password needed)' : ''}${open !== undefined ? ', in a conversation' : ''}${n > 0 ? `, ${n} unread` : ''}` },
    el('span', { class: 'contact-name' }, c.name, open !== undefined && el('span', { class: 'dot', 'aria-hidden': 'true' }), n > 0 && el('span', { class: 'unread', 'aria-hidden': 'true' }, String(n))),
    el('span', { class: 'contact-addr' }, c.address ?? c.fingerprint ?? ''),
  );
  main.append(badge);
  main.addEventListener('click', () => chooseContact(c));
  // A contact reconnects by keys, without a password (the title says so in full).
  if (c.contact !== undefined) main.append(el('span', { class: 'contact-tag', title: 'a contact: reconnects by keys, without a password' }, `contact · by ${c.contact.via}`));
  const li = el('li', { class: `contact${open !== undefined && open.id === current ? ' active' : ''}`, 'data-name': c.name }, main);
  if (c.keyState !== 'unknown') {
    const v = el('button', { type: 'button', class: 'secondary', 'aria-label': `safety number with ${c.name}` }, 'Verify');
    v.addEventListener('click', () => void openVerify(c.name, refresh).catch(fail));
    li.append(v);
  }
  if (c.contact !== undefined) li.append(removeButton(c.name));
  return li;
}

/** "Remove" asks once more ("Remove X?") before the contact is revoked. */
function removeButton(name: string): HTMLButtonElement {
  const b = el('button', { type: 'button', class: 'secondary remove', 'aria-label': `remove contact ${name}` }, 'Remove');
  b.addEventListener('click', () => {
    if (b.dataset['confirm'] !== 'yes') {
      b.dataset['confirm'] = 'yes';
      b.textContent = `Remove ${name}?`;
      b.setAttribute('aria-label', `confirm: remove contact ${name}; their reconnects are refused from then on`);
      return;
    }
    b.disabled = true;
    void call<{ removed: string }>('POST', '/api/contacts/remove', { name }).then(
      () => notice('info', `removed contact ${name}: their reconnects are refused from now on, and a password login is needed to talk again`),
      fail,
    );
  });
  return b;
}

function renderContacts(): void {
  const list = state?.contacts ?? [];
  const focused = document.activeElement instanceof HTMLElement && ui.contacts.contains(document.activeElement) ? document.activeElement.getAttribute('aria-label') : null;
  ui.contacts.replaceChildren(...(list.length === 0 ? [el('li', { class: 'sub' }, 'No contacts yet: connect to an address below, or listen.')] : list.map(contactItem)));
  if (focused !== null) {
    ui.contacts.querySelectorAll('button').forEach((b) => {
      if (b.getAttribute('aria-label') === focused) b.focus();
    });
  }
}

function chooseContact(c: ContactView): void {
  const open = openWith(c.name);
  if (open !== undefined) return select(open.id);
  if (c.keyState === 'changed') {
    keyChanged(c.name, `the identity key of ${c.name} changed`, (cv) => (cv === undefined ? refresh() : connected(cv)));
    return;
  }
  if (c.address === undefined) {
    ui.address.value = `${c.name}@`;
    ui.address.focus();
    notice('info', `${c.name} is not in your users file; type their address as ${c.name}@host:port`);
    return;
  }
  connectTo(c.name, c.name, connected);
}

/** Connects: a contact reconnects by keys (no password); otherwise the password dialog asks first. */
function connectTo(to: string, label: string, done: (c: ConversationView) => void): void {
  void call<ConversationView>('POST', '/api/connect', { to }).then(done, (e: unknown) => {
    if (e instanceof ApiFailure && e.code === 'PASSWORD_NEEDED') askPassword(to, label, done);
    else fail(e);
  });
}

function connected(c: ConversationView): void {
  // The server's state events are ordered and come after every change (its history, loaded
  // meanwhile, among them); this answer travelled beside them and may be older. Only a
  // conversation no state event has shown yet takes its messages from it.
  if (!messages.has(c.id)) messages.set(c.id, [...c.messages]);
  current = c.id;
  refresh();
  ui.text.focus();
}

function select(id: string): void {
  current = id;
  unread.delete(id);
  renderContacts();
  renderConversation(true);
  ui.text.focus();
}

function messageItem(m: MessageView, peer: string): HTMLLIElement {
  const who = m.direction === 'out' ? 'You' : peer;
  if (m.history === true) {
    const meta = el('span', { class: 'meta' }, el('span', { class: 'visually-hidden' }, `earlier, ${who}, `), el('time', { datetime: new Date(m.at).toISOString(), title: new Date(m.at).toLocaleString() }, clock(m.at)));
    return el('li', { class: `msg ${m.direction} history` }, el('div', { class: 'bubble' }, m.text), meta);
  }
  const ticks = m.direction === 'out' ? el('span', { class: `ticks${m.delivered ? ' delivered' : ''}`, 'data-tick': String(m.id), 'aria-label': m.delivered ? 'delivered' : 'sent' }, m.delivered ? '✓✓' : '✓') : null;
  const meta = el('span', { class: 'meta' }, el('span', { class: 'visually-hidden' }, `${who}, `), el('time', { datetime: new Date(m.at).toISOString(), title: new Date(m.at).toLocaleString() }, clock(m.at)), ticks);
  return el('li', { class: `msg ${m.direction}`, 'data-key': `${m.direction}:${m.id}` }, el('div', { class: 'bubble' }, m.text), meta);
}

const NARROW = window.matchMedia('(max-width: 720px)');

/** On a narrow screen the open conversation fills the screen: the page scrolls to it. */
function showConversation(): void {
  if (conv(current) !== undefined) byId('conversation', HTMLElement).scrollIntoView({ block: 'start' });
}
NARROW.addEventListener('change', () => {
  if (NARROW.matches) showConversation();
  scrollToNewest();
});

/** The newest message in view: the list scrolls (wide layout and narrow one alike). */
function scrollToNewest(): void {
  ui.messages.scrollTop = ui.messages.scrollHeight;
}

function renderConversation(full: boolean): void {
  const c = conv(current);
  document.body.classList.toggle('has-conv', c !== undefined);
  const composing = c?.open === true;
  ui.text.disabled = !composing;
  ui.send.disabled = !composing;
  ui.verify.hidden = c === undefined;
  ui.close.hidden = c === undefined;
  if (c === undefined) {
    ui.title.textContent = 'No conversation open';
    ui.sub.textContent = 'Choose a contact to start talking, or turn on "Listen for incoming" and let them connect to you.';
    ui.messages.replaceChildren();
    rendered = undefined;
    return;
  }
  ui.close.textContent = c.open ? 'End' : 'Dismiss';
  const badge = el('span', { class: `badge ${c.peerState === 'verified' ? 'verified' : c.peerState === 'new' ? 'new' : 'pinned'}` }, c.peerState === 'new' ? 'new key, pinned now' : c.peerState === 'verified' ? 'verified' : 'key pinned');
  ui.title.replaceChildren(c.peer, badge);
  ui.sub.textContent = `${c.open ? 'End-to-end encrypted' : 'Ended'} · ${c.address} · ${c.suite} · key ${c.fingerprint}`;
  if (!full && rendered === c.id) return;
  ui.messages.setAttribute('aria-busy', 'true');
  const list = messages.get(c.id) ?? [];
  const older = list.filter((m) => m.history === true).length;
  const items = list.map((m) => messageItem(m, c.peer));
  if (older > 0) items.splice(older, 0, el('li', { class: 'history-mark' }, `earlier messages from your log above · new ones below`));
  ui.messages.replaceChildren(...items);
  if (list.length === 0) ui.messages.append(el('li', { class: 'sys' }, `Conversation with ${c.peer} started. Messages are encrypted on this machine and only ${c.peer} can read them.`));
  if (c.ended !== undefined) ui.messages.append(el('li', { class: `sys${c.endCode === undefined ? '' : ' bad'}` }, sentence(c.ended)));
  ui.messages.setAttribute('aria-busy', 'false');
  // A newly shown conversation: on a narrow screen the page scrolls to it (it fills the screen).
  if (rendered !== c.id && NARROW.matches) showConversation();
  scrollToNewest();
  rendered = c.id;
}

function onEvent(e: ServerEvent): void {
  switch (e.type) {
    case 'state':
      setState(e.state);
      return;
    case 'message': {
      const list = messages.get(e.conversation) ?? [];
      if (list.some((m) => m.direction === e.message.direction && m.id === e.message.id)) return;
      list.push(e.message);
      messages.set(e.conversation, list);
      if (e.conversation === current && rendered === current) {
        const c = conv(current);
        ui.messages.querySelector('.sys:not(.bad)')?.remove();
        ui.messages.append(messageItem(e.message, c?.peer ?? ''));
        scrollToNewest();
      } else if (e.message.direction === 'in') {
        unread.set(e.conversation, (unread.get(e.conversation) ?? 0) + 1);
        renderContacts();
      }
      return;
    }
    case 'receipt': {
      const list = messages.get(e.conversation) ?? [];
      const i = list.findIndex((m) => m.direction === 'out' && m.id === e.id);
      const m = list[i];
      if (m !== undefined) list[i] = { ...m, delivered: true };
      if (e.conversation === current) {
        const t = ui.messages.querySelector(`[data-tick="${e.id}"]`);
        if (t !== null) {
          t.textContent = '✓✓';
          t.classList.add('delivered');
          t.setAttribute('aria-label', 'delivered');
        }
      }
      return;
    }
    case 'key-changed':
      keyChanged(e.peer, e.message, (cv) => (cv === undefined ? refresh() : connected(cv)));
      return;
    case 'notice':
      notice(e.level, e.message);
      return;
    case 'group':
      groupsView?.onEvent(e.event);
  }
}

// ---- wiring ----

ui.composer.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const c = conv(current);
  const text = ui.text.value;
  if (c === undefined || text.trim() === '') return;
  ui.text.value = '';
  void call<MessageView>('POST', '/api/send', { conversation: c.id, text }).catch((e: unknown) => {
    ui.text.value = text;
    fail(e);
  });
});
ui.text.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
    ev.preventDefault();
    ui.composer.requestSubmit();
  }
});
ui.close.addEventListener('click', () => {
  const c = conv(current);
  if (c !== undefined) void call('POST', '/api/close', { conversation: c.id }).catch(fail);
});
ui.verify.addEventListener('click', () => {
  const c = conv(current);
  if (c !== undefined) void openVerify(c.peer, refresh).catch(fail);
});
ui.addressForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const to = ui.address.value.trim();
  if (!/^[^@\s]+@\S+:\d{1,5}$/.test(to)) {
    notice('error', 'type the address as name@host:port, for example alice@192.168.1.20:5001');
    ui.address.focus();
    return;
  }
  connectTo(to, to.slice(0, to.lastIndexOf('@')), (cv) => {
    ui.address.value = '';
    connected(cv);
  });
});
ui.showLog.addEventListener('click', () => void openLog().catch(fail));
wireInvitations(notice, refresh);
ui.toggle.addEventListener('click', () => {
  const on = ui.toggle.getAttribute('aria-checked') !== 'true';
  const port = Number(ui.port.value === '' ? '0' : ui.port.value);
  if (on && (!Number.isInteger(port) || port < 0 || port > 65_535)) {
    notice('error', 'the port must be a number from 0 to 65535 (0 picks a free one)');
    return;
  }
  ui.toggle.disabled = true;
  void call<ListenerView>('POST', '/api/listen', on ? { on, port } : { on })
    .then(renderListener, fail)
    .finally(() => {
      ui.toggle.disabled = false;
    });
});

let groupsView: ReturnType<typeof mountGroups> | undefined;
let streaming = false;
/** Signs in with the link's token (or the tab's session) and starts the event stream once. */
function start(): void {
  void begin().then(
    (ok) => {
      if (ok && !streaming) {
        streaming = true;
        ui.notice.hidden = true;
        // Mounted once signed in: it asks for the groups at once.
        groupsView = mountGroups(document.querySelector('main') ?? document.body, { fail, notice });
        events(onEvent, () => notice('error', 'the connection to the securechat agent ended; run `securechat ui` again and open its new link'));
        return;
      }
      if (ok) return;
      ui.me.textContent = 'Not signed in';
      notice('error', 'open the link that `securechat ui` prints in your terminal: it carries a one-time secret');
    },
    (e: unknown) => {
      if (streaming) return;
      ui.me.textContent = 'Not signed in';
      notice('error', e instanceof ApiFailure ? e.message : 'securechat is not answering; is the agent running?');
    },
  );
}
// A fresh link pasted into this tab changes only the fragment: the page is not reloaded.
window.addEventListener('hashchange', start);
start();
