/**
 * The chat layer's ContactBook over the user's contacts.json (src/identity/contacts-file.ts).
 * Part of the application core: the CLI, the agent's messenger and the listener use it.
 */
import { ctEqual } from '../crypto/bytes.js';
import { x25519PublicFromEd25519 } from '../crypto/x25519-from-ed25519.js';
import { advanceInbound, advanceOutbound, initialContactSecrets, type Accepted, type EpochSecret, type ReconnectContact } from '../handshake/reconnect/index.js';
import type { PeerIdentity, Role } from '../handshake/result.js';
import type { ContactBook, InvitationBook, OutboundContact, PendingInvitation } from '../chat/contacts.js';
import { consumeInvitationSync, readInvitationSync } from '../identity/invitations.js';
import { findContact, withContact, type Contact } from '../identity/contacts.js';
import { contactsWritten, ContactsView, loadContacts, updateContacts } from '../identity/contacts-file.js';

export class FileContactBook implements ContactBook {
  readonly #dir: string;
  readonly #view: ContactsView;
  readonly #now: () => number;

  constructor(userDir: string, now: () => number = Date.now) {
    this.#dir = userDir;
    this.#view = new ContactsView(userDir);
    this.#now = now;
  }

  /** Read after this process's pending writes (the previous reconnect's secret) landed. */
  async outbound(name: string): Promise<OutboundContact | null> {
    await contactsWritten(this.#dir);
    const c = findContact(await loadContacts(this.#dir), name);
    return c === undefined || c.out === null ? null : { name: c.name, identityKey: c.identityKey, staticKey: c.staticKey, out: c.out };
  }

  lookup(staticKey: Uint8Array): ReconnectContact | null {
    for (const c of this.#view.get().contacts) {
      if (c.in !== null && ctEqual(c.staticKey, staticKey)) return { name: c.name, identityKey: c.identityKey, inbound: c.in };
    }
    return null;
  }

  async commitOutbound(name: string, used: EpochSecret, accepted: Accepted, nowMs: number): Promise<void> {
    await updateContacts(this.#dir, (cs) => {
      const c = findContact(cs, name);
      if (c === undefined || c.out === null) return cs;
      return withContact(cs, { ...c, out: advanceOutbound(used, accepted, nowMs, c.out) });
    });
  }

  async commitInbound(name: string, accepted: Accepted): Promise<void> {
    await updateContacts(this.#dir, (cs) => {
      const c = findContact(cs, name);
      if (c === undefined || c.in === null) return cs; // removed meanwhile: stays removed
      const next = advanceInbound(c.in, accepted);
      return next === null ? cs : withContact(cs, { ...c, in: next });
    });
  }

  async madeContact(peer: PeerIdentity, role: Role, contact: Uint8Array, via: 'password' | 'invitation'): Promise<void> {
    const staticKey = await x25519PublicFromEd25519(peer.identityKey);
    const { i2r, r2i } = initialContactSecrets(contact);
    const now = this.#now();
    const mine = role === 'initiator' ? i2r : r2i;
    const theirs = role === 'initiator' ? r2i : i2r;
    const entry: Contact = {
      name: peer.name, identityKey: peer.identityKey.slice(), staticKey, since: now, via,
      out: { current: { epoch: 0, secret: mine }, previous: null, pqEpoch: 0, pqAtMs: now },
      in: { current: { epoch: 0, secret: theirs }, previous: null, seen: [], pqEpoch: 0 },
    };
    await updateContacts(this.#dir, (cs) => withContact(cs, entry));
  }
}

/** The listener's pending invitation over invitation.json (src/identity/invitations.ts). */
export class FileInvitationBook implements InvitationBook {
  readonly #dir: string;

  constructor(userDir: string) {
    this.#dir = userDir;
  }

  pending(): PendingInvitation | null {
    const inv = readInvitationSync(this.#dir);
    return inv === null ? null : { serverSetup: inv.serverSetup, record: inv.record, ksf: inv.ksf, expiresAt: inv.expiresAt };
  }

  consume(): void {
    consumeInvitationSync(this.#dir);
  }
}
