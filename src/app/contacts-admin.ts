/**
 * Contacts and invitations as the application core does them, for every client: the CLI's
 * `contacts`, `invite` and `accept`, the agent's methods of the same names
 * (docs/AGENT-API.md §4.14–4.17) and the page. One implementation; the callers only present it.
 */
import { utf8, wipe } from '../crypto/bytes.js';
import type { KsfParams } from '../crypto/opaque.js';
import type { RandomSource } from '../crypto/random.js';
import { isSecureChatError, localError } from '../errors.js';
import { formatAddress, keyFingerprint } from '../identity/index.js';
import { findContact, withoutContact } from '../identity/contacts.js';
import { loadContacts, updateContacts } from '../identity/contacts-file.js';
import { createInvitation, INVITATION_TTL_MS, normaliseCode } from '../identity/invitations.js';
import { connect } from '../chat/connect.js';
import type { Conversation } from '../chat/conversation.js';
import type { HandshakeStep, PeerPolicy } from '../chat/types.js';
import { FileContactBook } from './contact-book.js';
import { localIdentity, type Self } from './self.js';
import { parseAddress } from './target.js';

/** One contact as every client shows it. */
export interface ContactInfo {
  readonly name: string;
  /** Hex fingerprint of the contact's identity key. */
  readonly fingerprint: string;
  /** When we became contacts (ms since the epoch). */
  readonly since: number;
  readonly via: 'password' | 'invitation';
  /** How many times we reconnected to them by keys. */
  readonly reconnects: number;
  /** How many of their reconnects we accepted. */
  readonly accepted: number;
}

/** The contacts of the user whose directory is `userDir`, in file order. */
export async function listContacts(userDir: string): Promise<ContactInfo[]> {
  const { contacts } = await loadContacts(userDir);
  return contacts.map((c) => ({
    name: c.name,
    fingerprint: keyFingerprint(c.identityKey),
    since: c.since,
    via: c.via,
    reconnects: c.out?.current.epoch ?? 0,
    accepted: c.in?.current.epoch ?? 0,
  }));
}

/** Revokes contact `name` of `self`: their next reconnect is refused. `UNKNOWN_USER` if there is none. */
export async function removeContact(self: Pick<Self, 'dir' | 'name'>, name: string): Promise<void> {
  let found = false;
  await updateContacts(self.dir, (cs) => {
    found = findContact(cs, name) !== undefined;
    return found ? withoutContact(cs, name) : cs;
  });
  if (!found) throw localError('UNKNOWN_USER', `${name} is not a contact of ${self.name}`);
}

/** A new invitation: the one string to pass on, and its parts. */
export interface InvitationInfo {
  /** `NAME@HOST:PORT#XXXX-XXXX`: what the other side accepts. */
  readonly invitation: string;
  readonly account: string;
  readonly code: string;
  /** `HOST:PORT` (brackets around an IPv6 address). */
  readonly address: string;
  /** ms since the epoch. */
  readonly expiresAt: number;
}

/** Creates (and replaces) `self`'s pending invitation to be accepted at `host:port`. */
export async function newInvitation(self: Pick<Self, 'dir' | 'name'>, where: { readonly host: string; readonly port: number }, ksf: KsfParams, random: RandomSource, now: number): Promise<InvitationInfo> {
  const code = await createInvitation(self.dir, self.name, ksf, random, now);
  const address = formatAddress(where.host, where.port);
  return { invitation: `${self.name}@${address}#${code}`, account: self.name, code, address, expiresAt: now + INVITATION_TTL_MS };
}

/** A pasted invitation, checked: whose, where, and the code in its canonical form. */
export interface ParsedInvitation {
  readonly account: string;
  readonly host: string;
  readonly port: number;
  readonly code: string;
}

/** Parses `NAME@HOST:PORT#CODE`; `USAGE` with what it should look like otherwise. */
export function parseInvitation(text: string): ParsedInvitation {
  const m = /^([^@#\s]+)@(.+)#([^#]+)$/.exec(text.trim());
  const addr = m?.[2] === undefined ? undefined : parseAddress(m[2]);
  const code = m?.[3] === undefined ? null : normaliseCode(m[3]);
  if (m === null || m[1] === undefined || addr === undefined || code === null) {
    throw localError('USAGE', 'an invitation looks like NAME@HOST:PORT#XXXX-XXXX; paste it as `securechat invite` printed it');
  }
  return { account: m[1], host: addr.host, port: addr.port, code };
}

export interface AcceptOptions {
  readonly self: Self;
  readonly invitation: ParsedInvitation;
  readonly policy: PeerPolicy;
  readonly onStep?: (s: HandshakeStep) => void;
}

/**
 * Logs in to the inviter's listener with the one-time code (OPAQUE, as with a password); the
 * handshake makes both sides contacts. Resolves with the established conversation (the caller
 * logs it and closes it). Every refusal (wrong, used or expired code) is `INVITATION_INVALID`.
 */
export async function acceptInvitation(o: AcceptOptions): Promise<Conversation> {
  const pw = utf8(o.invitation.code);
  try {
    return await connect({
      host: o.invitation.host,
      port: o.invitation.port,
      account: o.invitation.account,
      password: pw,
      invitation: true,
      self: localIdentity(o.self),
      policy: o.policy,
      contacts: new FileContactBook(o.self.dir),
      ...(o.onStep === undefined ? {} : { onStep: o.onStep }),
    });
  } catch (e) {
    // Toward us every refusal looks the same (wrong, used or expired code): say so plainly.
    if (isSecureChatError(e) && (e.code === 'PEER_ALERT' || e.code === 'AUTH_FAILED')) throw localError('INVITATION_INVALID', 'the invitation was refused', e);
    throw e;
  } finally {
    wipe(pw);
  }
}
