/** How the core tells who is on the other end of a conversation: one line and one JSON fact. */
import { SUITE_NAMES } from '../crypto/aead.js';
import { toHex } from '../crypto/bytes.js';
import { formatAddress, formatFingerprint, keyFingerprint } from '../identity/index.js';
import type { Conversation } from '../chat/conversation.js';
import type { CloseReason, PeerKeyState } from '../chat/types.js';
import type { SecureChatError } from '../errors.js';
import { explain } from './errors-text.js';
import type { Reporter } from './host.js';

const STATE_TEXT: Readonly<Record<PeerKeyState, string>> = {
  new: 'new key, pinned now (trust on first use; compare safety numbers with `securechat verify`)',
  pinned: 'key matches the pinned one',
  verified: 'key matches the pinned, verified one',
};

/** One status line (and one `peer` event) about who is on the other end; `verb` starts the line. */
export function announcePeer(out: Reporter, conv: Conversation, verb: string): void {
  const i = conv.info;
  const fp = keyFingerprint(i.peer.identityKey);
  const where = formatAddress(i.remoteAddress, i.remotePort);
  out.status(`${verb} ${i.peer.name} (${where}); ${STATE_TEXT[i.peerState]}; key ${formatFingerprint(fp)}`, {
    event: 'peer',
    name: i.peer.name,
    fingerprint: fp,
    state: i.peerState,
    address: i.remoteAddress,
    port: i.remotePort,
    suite: SUITE_NAMES[i.suite],
    session: toHex(i.sessionId),
  });
}

/** The first 40 characters of a text, for a receipt line. */
export function snippet(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/**
 * Why a conversation ended, as the log keeps it (and `log show` and the page show it): a
 * sentence a person reads, with the stable code in parentheses when it ended badly.
 */
export function endReason(peer: string, reason: CloseReason, error: SecureChatError | undefined): string {
  if (error === undefined) return reason === 'peer' ? `${peer} closed it` : 'closed by us';
  return `${explain(error, { established: true, peer }).sentence} (${error.code})`;
}
