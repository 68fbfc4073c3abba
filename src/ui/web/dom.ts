/// <reference lib="dom" />
/** Tiny DOM helpers: elements with text only (never HTML strings), lookups that check types. */

type Child = Node | string | null | undefined | false;

/** Creates `<tag>` with attributes (`class`, `aria-*`, ...) and children (strings become text). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Readonly<Record<string, string>> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

/** The element with `id`, checked to be a `type`. */
export function byId<T extends HTMLElement>(id: string, type: abstract new () => T): T {
  const e = document.getElementById(id);
  if (!(e instanceof type)) throw new Error(`the page is missing #${id}`);
  return e;
}

/** `HH:MM` in local time. */
export function clock(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** The sentence as shown: first letter capitalised, a full stop at the end. */
export function sentence(s: string): string {
  const t = s.trim();
  if (t === '') return t;
  const c = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(c) ? c : `${c}.`;
}
