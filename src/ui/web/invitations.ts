/// <reference lib="dom" />
/**
 * Invitations in the page: "Invite someone" shows a fresh one-time invitation (the string to
 * read out or paste, and its QR code), "Accept an invitation" uses one someone gave you.
 * Both run in the agent (src/ui/keys.ts → src/app/contacts-admin.ts).
 */
import type { InvitationView } from '../protocol.js';
import { ApiFailure, call } from './api.js';
import { byId, clock, sentence } from './dom.js';
import { qrSvg } from './qr.js';

const inv = {
  open: byId('invite', HTMLButtonElement),
  dialog: byId('invite-dialog', HTMLDialogElement),
  text: byId('inv-text', HTMLParagraphElement),
  qr: byId('inv-qr', HTMLDivElement),
  expiry: byId('inv-expiry', HTMLParagraphElement),
  close: byId('inv-close', HTMLButtonElement),
  form: byId('accept-form', HTMLFormElement),
  input: byId('accept-input', HTMLInputElement),
  submit: byId('accept-submit', HTMLButtonElement),
};

function message(e: unknown): string {
  return e instanceof ApiFailure ? e.message : 'something unexpected went wrong in the page';
}

/** Wires the invitation controls; `notice` shows a sentence, `changed` refreshes the contacts. */
export function wireInvitations(notice: (level: 'info' | 'error', text: string) => void, changed: () => void): void {
  inv.close.addEventListener('click', () => inv.dialog.close());
  inv.open.addEventListener('click', () => {
    inv.open.disabled = true;
    void call<InvitationView>('POST', '/api/invite', {})
      .then((v) => {
        inv.text.textContent = v.invitation;
        inv.qr.replaceChildren(qrSvg(v.invitation, `QR code of the invitation ${v.invitation}`));
        inv.qr.setAttribute('aria-label', `QR code of the invitation ${v.invitation}`);
        inv.expiry.textContent = `Valid once, until ${clock(v.expiresAt)}, while you listen on ${v.address}. The other side pastes it under "Accept an invitation" (or runs: securechat accept '${v.invitation}').`;
        inv.dialog.showModal();
        inv.close.focus();
      }, (e: unknown) => notice('error', message(e)))
      .finally(() => {
        inv.open.disabled = false;
      });
  });
  inv.form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = inv.input.value.trim();
    if (!/^[^@\s]+@\S+#\S+$/.test(text)) {
      notice('error', 'an invitation looks like name@host:port#XXXX-XXXX; paste it as it was given to you');
      inv.input.focus();
      return;
    }
    inv.submit.disabled = true;
    void call<{ contact: string }>('POST', '/api/accept', { invitation: text })
      .then((r) => {
        inv.input.value = '';
        notice('info', sentence(`${r.contact} and you are contacts now: click ${r.contact} to talk, no password needed`));
        changed();
      }, (e: unknown) => notice('error', message(e)))
      .finally(() => {
        inv.submit.disabled = false;
      });
  });
}
