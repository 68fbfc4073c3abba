/**
 * Read-only views for the page: contacts (users file + known peers), the safety number of a
 * contact (digits and QR text), and the conversation log with its verification result.
 */
import { isSecureChatError, localError } from '../errors.js';
import { formatAddress, formatFingerprint, keyFingerprint, listPeers, loadKnownPeers, safetyNumber, type UsersFile } from '../identity/index.js';
import { logShow, logVerify } from '../log/commands.js';
import type { Self } from '../app/self.js';
import { listContacts } from '../app/contacts-admin.js';
import { uiError } from './errors.js';
import type { ContactKeyState, ContactView, LogView, SafetyNumberView, ServerEvent, VerifyView } from './protocol.js';

/** Contacts: everyone in the users file, everyone whose key we know, and every contact (reconnect by keys), except ourselves. */
export async function contacts(self: Self, users: UsersFile | undefined): Promise<ContactView[]> {
  const known = await loadKnownPeers(self.dir);
  const byName = new Map<string, ContactView>();
  for (const u of users?.users ?? []) {
    if (u.username === self.name) continue;
    byName.set(u.username, { name: u.username, address: formatAddress(u.ip, u.port), keyState: 'unknown' });
  }
  for (const rec of listPeers(known)) {
    if (rec.name === self.name) continue;
    const keyState: ContactKeyState = rec.pendingKey !== undefined ? 'changed' : rec.verified ? 'verified' : 'pinned';
    const prev = byName.get(rec.name);
    byName.set(rec.name, { ...(prev ?? { name: rec.name }), keyState, fingerprint: formatFingerprint(keyFingerprint(rec.key)) });
  }
  for (const c of await listContacts(self.dir)) {
    if (c.name === self.name) continue;
    const prev = byName.get(c.name) ?? { name: c.name, keyState: 'pinned' as const, fingerprint: formatFingerprint(c.fingerprint) };
    byName.set(c.name, { ...prev, contact: { since: c.since, via: c.via } });
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function numberView(self: Self, peer: string, key: Uint8Array): SafetyNumberView {
  const sn = safetyNumber({ name: self.name, publicKey: self.identity.publicKey }, { name: peer, publicKey: key });
  return { peer, fingerprint: formatFingerprint(keyFingerprint(key)), groups: sn.groups, qr: sn.qr };
}

/** The safety number of `peer`'s pinned key (and of a refused new key, if there is one). */
export async function verifyView(self: Self, peer: string): Promise<VerifyView> {
  const rec = (await loadKnownPeers(self.dir)).peers.get(peer);
  if (rec === undefined) throw localError('UNKNOWN_USER', `there is no key for ${peer} yet; talk to ${peer} once first, then compare safety numbers`);
  const current = numberView(self, peer, rec.key);
  const view: VerifyView = { self: self.name, peer, verified: rec.verified, current };
  if (rec.pendingKey === undefined) return view;
  return { ...view, pending: { ...numberView(self, peer, rec.pendingKey.key), previousFingerprint: current.fingerprint } };
}

/** The log's entries (optionally about one peer) and the result of verifying it. */
export async function logView(self: Self, peer: string | undefined): Promise<LogView> {
  try {
    const v = await logVerify({ userDir: self.dir });
    const s = await logShow({ userDir: self.dir, ...(peer === undefined ? {} : { peer }) });
    const entries = s.exitCode === 0 ? s.lines : s.lines.filter((l) => l.startsWith('#'));
    return { ok: v.exitCode === 0, summary: v.lines, entries };
  } catch (e) {
    if (isSecureChatError(e) && e.code === 'NOT_INITIALISED') {
      return { ok: true, summary: [`${self.name} has no conversation log yet: it starts with the first conversation`], entries: [] };
    }
    throw e;
  }
}

/** The page's warning for `peer`'s refused new key (pinned and offered fingerprints), if one is pending. */
export async function keyChangedEvent(self: Self, peer: string): Promise<ServerEvent | undefined> {
  const rec = (await loadKnownPeers(self.dir).catch(() => undefined))?.peers.get(peer);
  const pending = rec?.pendingKey?.key;
  if (rec === undefined || pending === undefined) return undefined;
  const message = uiError(localError('PEER_KEY_CHANGED', peer), { established: false, peer }).message;
  return { type: 'key-changed', peer, oldFingerprint: formatFingerprint(keyFingerprint(rec.key)), newFingerprint: formatFingerprint(keyFingerprint(pending)), message };
}
