/**
 * The MAILBOX application message (docs/PROTOCOL.md §13): over a direct, authenticated 1:1
 * session, a user tells the peer where and how to leave messages for them while they are
 * offline. Never sent to the relay, never in the clear.
 *
 *   0x04 MAILBOX  id:u64 || version:u8 (0x01) || relay_key:32 || port:u16 || host_len:u8 || host
 *                 || send_id:16 || send_seed:32 || mailbox_key:32
 *
 * `relay_key` is the relay's pinned Noise static key, `host` (1..253 bytes of printable ASCII,
 * no spaces) and `port` (1..65535) its address, `send_id`/`send_seed` the sender credentials of
 * a queue the offering user made for this peer alone (docs/RELAY.md §3), `mailbox_key` the
 * offering user's HPKE (X25519) public key (src/relay/mailbox-seal.ts). It is not receipted;
 * a newer offer replaces the older one. Any other version, a bad length, host or port is
 * `DECODE_ERROR` (`UNSUPPORTED_VERSION` for the version).
 */
import { concat, u16be, u8, utf8 } from '../crypto/bytes.js';
import { localError, remoteError } from '../errors.js';
import { Reader } from '../wire/codec.js';

export const MAILBOX_KIND = 0x04;
export const MAILBOX_OFFER_VERSION = 0x01;

export interface MailboxOffer {
  readonly relayKey: Uint8Array;
  readonly host: string;
  readonly port: number;
  readonly sendId: Uint8Array;
  readonly sendSeed: Uint8Array;
  readonly mailboxKey: Uint8Array;
}

export interface MailboxAppMessage extends MailboxOffer {
  readonly kind: typeof MAILBOX_KIND;
  readonly id: number;
}

function hostProblem(host: string): string | undefined {
  if (host.length < 1 || host.length > 253) return `a host of ${host.length} characters`;
  if (!/^[\x21-\x7e]+$/.test(host)) return 'a host that is not printable ASCII';
  return undefined;
}

/** The bytes after `kind || id`; refuses (INTERNAL) what the decoder would refuse. */
export function encodeMailboxBody(m: MailboxOffer): Uint8Array {
  const bad = hostProblem(m.host);
  if (bad !== undefined) throw localError('INTERNAL', bad);
  if (!Number.isInteger(m.port) || m.port < 1 || m.port > 65_535) throw localError('INTERNAL', 'bad relay port');
  if (m.relayKey.length !== 32 || m.sendId.length !== 16 || m.sendSeed.length !== 32 || m.mailboxKey.length !== 32) throw localError('INTERNAL', 'bad mailbox offer lengths');
  const host = utf8(m.host);
  return concat(u8(MAILBOX_OFFER_VERSION), m.relayKey, u16be(m.port), u8(host.length), host, m.sendId, m.sendSeed, m.mailboxKey);
}

export function decodeMailboxBody(id: number, body: Uint8Array): MailboxAppMessage {
  const r = new Reader(body, 'mailbox offer');
  const version = r.u8();
  if (version !== MAILBOX_OFFER_VERSION) throw remoteError('UNSUPPORTED_VERSION', `mailbox offer version ${version}`);
  const relayKey = r.fixed(32);
  const portHi = r.u8();
  const port = portHi * 256 + r.u8();
  if (port < 1) throw remoteError('DECODE_ERROR', 'mailbox offer: port 0');
  const hostLen = r.u8();
  const host = String.fromCharCode(...r.fixed(hostLen));
  const bad = hostProblem(host);
  if (bad !== undefined) throw remoteError('DECODE_ERROR', `mailbox offer: ${bad}`);
  const sendId = r.fixed(16);
  const sendSeed = r.fixed(32);
  const mailboxKey = r.fixed(32);
  r.finish();
  return { kind: MAILBOX_KIND, id, relayKey, host, port, sendId, sendSeed, mailboxKey };
}
