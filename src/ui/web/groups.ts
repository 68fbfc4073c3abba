/// <reference lib="dom" />
/**
 * The page's group view (docs/UI.md "Groups"): the user's groups, the chosen group's members
 * with their key state and its epoch, its messages since the page opened, and a composer.
 * Built with DOM calls into a section of its own (text is never parsed as HTML); it talks to
 * /api/groups and hears `group` events from main.ts.
 */
import type { GroupMessageView, GroupPageEvent, GroupSendView, GroupView } from '../groups-protocol.js';
import { call } from './api.js';
import { clock, el } from './dom.js';

const KEY_TEXT = { you: 'you', verified: 'verified', pinned: 'key pinned, not verified', unverified: 'not verified: needs verification', changed: 'KEY CHANGED' } as const;

export interface GroupsViewHooks {
  readonly fail: (e: unknown) => void;
  readonly notice: (level: 'info' | 'error', text: string) => void;
}

export function mountGroups(parent: HTMLElement, hooks: GroupsViewHooks): { onEvent(e: GroupPageEvent): void } {
  const list = el('ul', { id: 'groups', class: 'contacts', 'aria-label': 'Groups' });
  const title = el('h2', { id: 'group-title' }, 'No group chosen');
  const sub = el('p', { id: 'group-sub', class: 'sub' }, 'Groups are made with `securechat group create` and `group add`.');
  const members = el('ul', { id: 'group-members', class: 'contacts', 'aria-label': 'Members' });
  const log = el('ol', { id: 'group-messages', class: 'messages', role: 'log', 'aria-live': 'polite', 'aria-label': 'Group messages' });
  const text = el('textarea', { id: 'group-text', rows: '2', placeholder: 'Write to the group — Enter sends' });
  const send = el('button', { id: 'group-send', type: 'submit' }, 'Send');
  const form = el('form', { id: 'group-composer', class: 'composer' }, el('label', { for: 'group-text', class: 'visually-hidden' }, 'Group message'), text, send);
  const section = el(
    'section',
    { id: 'groups-view', class: 'conversation', 'aria-labelledby': 'groups-title' },
    el('header', { class: 'conv-head' }, el('div', {}, el('h2', { id: 'groups-title' }, 'Groups'), list)),
    el('div', {}, title, sub, members),
    log,
    form,
  );
  // Across the whole layout, under the conversation (CSSOM, allowed by the page's style-src 'self').
  section.style.gridColumn = '1 / -1';
  section.style.borderTop = '1px solid var(--line)';
  for (const e of [members, log]) e.style.listStyle = 'none';
  members.style.padding = '0 18px';
  log.style.maxHeight = '18rem';
  for (const e of [title, sub]) e.style.margin = '4px 18px';
  parent.append(section);

  let groups: GroupView[] = [];
  let current: string | undefined;
  const messages = new Map<string, GroupMessageView[]>();
  text.disabled = true;
  send.disabled = true;

  const item = (m: GroupMessageView): HTMLLIElement =>
    el('li', { class: m.direction === 'out' ? 'out' : 'in', 'data-from': m.from }, el('span', { class: 'who' }, m.direction === 'out' ? 'you' : m.from), ': ', el('span', { class: 'text' }, m.text), el('span', { class: 'meta' }, ` ${clock(m.at)}`));

  function render(): void {
    list.replaceChildren(
      ...groups.map((g) => {
        const b = el('button', { type: 'button', class: 'contact', 'data-group': g.name, 'aria-pressed': String(g.name === current) }, g.name);
        b.addEventListener('click', () => {
          current = g.name;
          render();
        });
        return el('li', {}, b);
      }),
    );
    const g = groups.find((x) => x.name === current);
    if (g === undefined) {
      title.textContent = groups.length === 0 ? 'No groups yet' : 'No group chosen';
      members.replaceChildren();
      log.replaceChildren();
      text.disabled = true;
      send.disabled = true;
      return;
    }
    title.textContent = g.name;
    sub.textContent = `epoch ${g.epoch} · committer ${g.committer}${g.status === 'removed' ? ' · you are no longer a member' : ''}`;
    sub.setAttribute('data-epoch', g.epoch);
    members.replaceChildren(...g.members.map((m) => el('li', { 'data-member': m.name, 'data-key-state': m.keyState }, `${m.name} — ${KEY_TEXT[m.keyState]}`, el('span', { class: 'sub' }, ` ${m.fingerprint}`))));
    log.replaceChildren(...(messages.get(g.name) ?? []).map(item));
    text.disabled = g.status !== 'active';
    send.disabled = g.status !== 'active';
  }

  async function refresh(): Promise<void> {
    groups = await call<GroupView[]>('GET', '/api/groups');
    if (current === undefined || !groups.some((g) => g.name === current)) current = groups[0]?.name;
    render();
  }

  function add(m: GroupMessageView): void {
    const l = messages.get(m.group) ?? [];
    l.push(m);
    messages.set(m.group, l);
    if (m.group === current) log.append(item(m));
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const group = current;
    const t = text.value;
    if (group === undefined || t.trim() === '') return;
    text.value = '';
    void call<GroupSendView>('POST', '/api/groups/send', { group, text: t }).then(
      (r) => {
        add(r.message);
        for (const u of r.undelivered) hooks.notice('error', u);
      },
      (e: unknown) => {
        text.value = t;
        hooks.fail(e);
      },
    );
  });
  text.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });
  void refresh().catch(hooks.fail);

  return {
    onEvent(e: GroupPageEvent): void {
      if (e.kind === 'message') {
        add(e.message);
        if (!groups.some((g) => g.name === e.message.group)) void refresh().catch(hooks.fail);
      } else void refresh().catch(hooks.fail);
    },
  };
}
