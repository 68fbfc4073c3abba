/// <reference lib="dom" />
/**
 * The page's dialogs (native <dialog>, modal: focus stays inside, Escape closes): the password
 * for a connection, the safety number with "mark verified", the blocking warning when a
 * pinned key changed with "trust new key", and the log with its verification result.
 */
import type { ConversationView, LogView, SafetyNumberView, VerifyView } from '../protocol.js';
import { ApiFailure, call } from './api.js';
import { byId, el, sentence } from './dom.js';
import { qrSvg } from './qr.js';

function failure(e: unknown): string {
  return sentence(e instanceof ApiFailure ? e.message : 'something unexpected went wrong in the page');
}

function showNumber(qrBox: HTMLElement, digits: HTMLElement, sn: SafetyNumberView, who: string): void {
  qrBox.replaceChildren(qrSvg(sn.qr, `QR code of the safety number with ${who}`));
  qrBox.setAttribute('aria-label', `QR code of the safety number with ${who}`);
  digits.replaceChildren(...sn.groups.map((g) => el('span', {}, g)));
  digits.setAttribute('aria-label', `safety number: ${sn.groups.join(' ')}`);
}

// ---- password ----

const pw = {
  dialog: byId('password-dialog', HTMLDialogElement),
  form: byId('password-form', HTMLFormElement),
  title: byId('pw-title', HTMLHeadingElement),
  desc: byId('pw-desc', HTMLParagraphElement),
  input: byId('pw-input', HTMLInputElement),
  error: byId('pw-error', HTMLParagraphElement),
  submit: byId('pw-submit', HTMLButtonElement),
  cancel: byId('pw-cancel', HTMLButtonElement),
};
let pwTarget = '';
let pwDone: (c: ConversationView) => void = () => undefined;

/** Asks for `to`'s password and connects; `done` gets the new conversation. */
export function askPassword(to: string, label: string, done: (c: ConversationView) => void): void {
  pwTarget = to;
  pwDone = done;
  pw.title.textContent = `Connect to ${label}`;
  pw.desc.textContent = `Enter the password of ${label}'s listener. It is used once for this connection and never stored.`;
  pw.error.textContent = '';
  pw.input.value = '';
  pw.submit.disabled = false;
  pw.submit.textContent = 'Connect';
  pw.dialog.showModal();
  pw.input.focus();
}

pw.cancel.addEventListener('click', () => pw.dialog.close());
pw.dialog.addEventListener('close', () => {
  pw.input.value = '';
});
pw.form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const password = pw.input.value;
  if (password === '') return;
  pw.submit.disabled = true;
  pw.submit.textContent = 'Connecting…';
  pw.error.textContent = '';
  void call<ConversationView>('POST', '/api/connect', { to: pwTarget, password }).then(
    (c) => {
      pw.input.value = '';
      pw.dialog.close();
      pwDone(c);
    },
    (e: unknown) => {
      pw.input.value = '';
      pw.submit.disabled = false;
      pw.submit.textContent = 'Connect';
      if (e instanceof ApiFailure && e.code === 'PEER_KEY_CHANGED') {
        pw.dialog.close(); // the blocking key-change warning takes over
        return;
      }
      pw.error.textContent = failure(e);
      pw.input.focus();
    },
  );
});

// ---- safety number ----

const vf = {
  dialog: byId('verify-dialog', HTMLDialogElement),
  title: byId('verify-title', HTMLHeadingElement),
  desc: byId('verify-desc', HTMLParagraphElement),
  qr: byId('verify-qr', HTMLDivElement),
  digits: byId('verify-digits', HTMLParagraphElement),
  fp: byId('verify-fp', HTMLParagraphElement),
  state: byId('verify-state', HTMLParagraphElement),
  error: byId('verify-error', HTMLParagraphElement),
  mark: byId('verify-mark', HTMLButtonElement),
  close: byId('verify-closebtn', HTMLButtonElement),
};
let vfView: VerifyView | undefined;

function renderVerify(v: VerifyView): void {
  vfView = v;
  vf.title.textContent = `Safety number with ${v.peer}`;
  vf.desc.textContent = `Compare these 60 digits (or scan the code) with what ${v.peer} sees, in person or on a call you trust. If they match, you are talking to ${v.peer} and nobody in between.`;
  showNumber(vf.qr, vf.digits, v.current, v.peer);
  vf.fp.textContent = `${v.peer}'s key: ${v.current.fingerprint}`;
  vf.state.textContent = v.verified ? `✓ Verified: you confirmed this is ${v.peer}'s key.` : 'Not verified yet.';
  vf.state.classList.toggle('ok', v.verified);
  vf.mark.hidden = v.verified;
}

/** Shows `peer`'s safety number (or the key-change warning when a new key is pending). */
export async function openVerify(peer: string, onChange: () => void): Promise<void> {
  const v = await call<VerifyView>('GET', `/api/verify?peer=${encodeURIComponent(peer)}`);
  if (v.pending !== undefined) {
    showKeyChange(peer, v, `${v.peer} offered a different identity key than the pinned one.`, onChange);
    return;
  }
  vf.error.textContent = '';
  renderVerify(v);
  vfChange = onChange;
  vf.dialog.showModal();
  (v.verified ? vf.close : vf.mark).focus();
}
let vfChange: () => void = () => undefined;

vf.close.addEventListener('click', () => vf.dialog.close());
vf.mark.addEventListener('click', () => {
  const v = vfView;
  if (v === undefined) return;
  vf.mark.disabled = true;
  void call<VerifyView>('POST', '/api/verify', { peer: v.peer, fingerprint: v.current.fingerprint })
    .then(
      (nv) => {
        renderVerify(nv);
        vf.close.focus();
        vfChange();
      },
      (e: unknown) => {
        vf.error.textContent = failure(e);
      },
    )
    .finally(() => {
      vf.mark.disabled = false;
    });
});

// ---- key changed: loud and blocking ----

const kc = {
  dialog: byId('keychange-dialog', HTMLDialogElement),
  desc: byId('kc-desc', HTMLParagraphElement),
  old: byId('kc-old', HTMLElement),
  now: byId('kc-new', HTMLElement),
  qr: byId('kc-qr', HTMLDivElement),
  digits: byId('kc-digits', HTMLParagraphElement),
  checked: byId('kc-checked', HTMLInputElement),
  error: byId('kc-error', HTMLParagraphElement),
  trust: byId('kc-trust', HTMLButtonElement),
  cancel: byId('kc-cancel', HTMLButtonElement),
};
let kcView: VerifyView | undefined;
let kcPeer = '';
let kcTrusted = false;
let kcChange: (c?: ConversationView) => void = () => undefined;

function showKeyChange(peer: string, v: VerifyView | undefined, message: string, onChange: (c?: ConversationView) => void): void {
  kcView = v;
  kcPeer = peer;
  kcTrusted = false;
  kcChange = onChange;
  kc.desc.textContent = `${sentence(message)} Until you check it, every conversation with ${peer} is refused. Ask ${peer}, over a channel you trust, to read you their safety number.`;
  kc.error.textContent = '';
  kc.checked.checked = false;
  kc.trust.disabled = true;
  const pending = v?.pending;
  kc.old.textContent = pending?.previousFingerprint ?? v?.current.fingerprint ?? '—';
  kc.now.textContent = pending?.fingerprint ?? '—';
  if (pending !== undefined) showNumber(kc.qr, kc.digits, pending, peer);
  else {
    kc.qr.replaceChildren();
    kc.digits.replaceChildren();
  }
  kc.checked.disabled = pending === undefined;
  if (!kc.dialog.open) kc.dialog.showModal();
  kc.cancel.focus();
}

/**
 * The warning for a key-change event: loads the new key's safety number first. After "trust
 * new key" the agent reconnects the connection that stopped at the key; `onChange` gets it.
 */
export function keyChanged(peer: string, message: string, onChange: (c?: ConversationView) => void): void {
  void call<VerifyView>('GET', `/api/verify?peer=${encodeURIComponent(peer)}`).then(
    (v) => showKeyChange(peer, v, message, onChange),
    () => showKeyChange(peer, undefined, message, onChange),
  );
}

kc.checked.addEventListener('change', () => {
  kc.trust.disabled = !kc.checked.checked || kcView?.pending === undefined;
});
kc.cancel.addEventListener('click', () => kc.dialog.close());
kc.dialog.addEventListener('close', () => {
  // "Do not trust" (or Escape): nothing changes, and the agent wipes the password it kept for a reconnect.
  if (!kcTrusted && kcPeer !== '') void call('POST', '/api/distrust', { peer: kcPeer }).catch(() => undefined);
});
kc.trust.addEventListener('click', () => {
  const v = kcView;
  if (v?.pending === undefined || !kc.checked.checked) return;
  kc.trust.disabled = true;
  void call<VerifyView & { conversation?: ConversationView }>('POST', '/api/trust', { peer: v.peer, fingerprint: v.pending.fingerprint }).then(
    (r) => {
      kcTrusted = true;
      kc.dialog.close();
      kcChange(r.conversation);
    },
    (e: unknown) => {
      kc.error.textContent = failure(e);
      kc.trust.disabled = false;
    },
  );
});

// ---- log ----

const lg = {
  dialog: byId('log-dialog', HTMLDialogElement),
  result: byId('log-result', HTMLParagraphElement),
  entries: byId('log-entries', HTMLOListElement),
  close: byId('log-close', HTMLButtonElement),
};
lg.close.addEventListener('click', () => lg.dialog.close());

export async function openLog(): Promise<void> {
  const v = await call<LogView>('GET', '/api/log');
  lg.result.textContent = (v.ok ? '✓ ' : '✗ ') + v.summary.map(sentence).join(' ');
  lg.result.className = `log-result ${v.ok ? 'ok' : 'bad'}`;
  lg.entries.replaceChildren(...(v.entries.length === 0 ? [el('li', {}, 'No entries yet.')] : v.entries.map((l) => el('li', {}, l))));
  lg.dialog.showModal();
  lg.entries.scrollTop = lg.entries.scrollHeight;
  lg.close.focus();
}
