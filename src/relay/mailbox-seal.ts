/**
 * Offline messages sealed for one contact (docs/RELAY.md §10, PROTOCOL.md §13): HPKE (RFC 9180)
 * in mode_auth, single-shot, suite DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM
 * (kem 0x0020, kdf 0x0001, aead 0x0002), through `@hpke/core` (the library MLS already uses).
 * No ratchet of our own: each message is one HPKE `Seal` from the sender's mailbox key to the
 * recipient's, so only the recipient opens it and only the sender could have made it.
 *
 *   info     = "sc1 relay mailbox v1" || send_id         (the queue it was sent to)
 *   aad      = msg_id                                   (the relay's idempotency id, 16 bytes)
 *   data     = 0x01 || enc (32) || ct                   (what the relay stores)
 *   pt       = kind:u8 || counter:u64 || message_id:16 || rest
 *     kind 0x01 TEXT     rest = sent_at_ms:u64 || text (UTF-8, 1..MAX_ID_TEXT_BYTES); message_id = msg_id
 *     kind 0x02 RECEIPT  rest = (empty); message_id = the TEXT_ID id being receipted
 *
 * `counter` grows by at least one per message on one queue (the receiver refuses one that does
 * not: src/app/relay-inbox.ts). Decoding order: version (UNSUPPORTED_VERSION), length
 * (DECODE_ERROR), HPKE open (AUTH_FAILED), plaintext (DECODE_ERROR).
 */
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { concat, u64be, u8, utf8 } from '../crypto/bytes.js';
import { localError, remoteError } from '../errors.js';
import { MAX_ID_TEXT_BYTES } from '../limits.js';
import { Reader } from '../wire/codec.js';

export const MAILBOX_VERSION = 0x01;
export const MAILBOX_INFO_LABEL = 'sc1 relay mailbox v1';
const ENC_BYTES = 32;
const TAG_BYTES = 16;
const ID_BYTES = 16;

export const MailboxKind = { TEXT: 0x01, RECEIPT: 0x02 } as const;

export type MailboxPlain =
  | { readonly kind: typeof MailboxKind.TEXT; readonly counter: number; readonly messageId: Uint8Array; readonly sentAtMs: number; readonly text: string }
  | { readonly kind: typeof MailboxKind.RECEIPT; readonly counter: number; readonly messageId: Uint8Array };

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

let cached: CipherSuite | undefined;
function suite(): CipherSuite {
  cached ??= new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
  return cached;
}

type KeyPairOf = Awaited<ReturnType<CipherSuite['kem']['deriveKeyPair']>>;
type PublicOf = Awaited<ReturnType<CipherSuite['kem']['deserializePublicKey']>>;
/** Derived key pairs and parsed public keys, by hex (DeriveKeyPair costs ~9 ms here): a few users and contacts per agent. */
const KEY_CACHE_MAX = 256;
const pairs = new Map<string, Promise<KeyPairOf>>();
const publics = new Map<string, Promise<PublicOf>>();
function memo<T>(m: Map<string, Promise<T>>, k: Uint8Array, make: () => Promise<T>): Promise<T> {
  const h = Buffer.from(k).toString('hex');
  let p = m.get(h);
  if (p === undefined) {
    if (m.size >= KEY_CACHE_MAX) m.delete(m.keys().next().value ?? '');
    p = make();
    p.catch(() => m.delete(h));
    m.set(h, p);
  }
  return p;
}
const pairOf = (seed: Uint8Array): Promise<KeyPairOf> => memo(pairs, seed, () => suite().kem.deriveKeyPair(seed));
const publicOf = (pub: Uint8Array): Promise<PublicOf> => memo(publics, pub, () => suite().kem.deserializePublicKey(pub));

/** A mailbox key pair from 32 bytes of seed (RFC 9180 DeriveKeyPair): the private key is the seed, kept by its owner. */
export async function mailboxPublicKey(seed: Uint8Array): Promise<Uint8Array> {
  const s = suite();
  const kp = await pairOf(seed);
  return new Uint8Array(await s.kem.serializePublicKey(kp.publicKey));
}

export function encodeMailboxPlain(m: MailboxPlain): Uint8Array {
  if (!Number.isSafeInteger(m.counter) || m.counter < 1) throw localError('INTERNAL', 'mailbox counter must be a positive safe integer');
  if (m.messageId.length !== ID_BYTES) throw localError('INTERNAL', 'message id must be 16 bytes');
  if (m.kind === MailboxKind.RECEIPT) return concat(u8(m.kind), u64be(m.counter), m.messageId);
  const text = utf8(m.text);
  if (text.length < 1 || text.length > MAX_ID_TEXT_BYTES) throw localError('INTERNAL', `text must be 1..${MAX_ID_TEXT_BYTES} UTF-8 bytes`);
  return concat(u8(m.kind), u64be(m.counter), m.messageId, u64be(m.sentAtMs), text);
}

export function decodeMailboxPlain(b: Uint8Array): MailboxPlain {
  const r = new Reader(b, 'mailbox message');
  const kind = r.u8();
  const counter = r.u64();
  if (counter < 1) throw remoteError('DECODE_ERROR', 'mailbox counter 0');
  const messageId = r.fixed(ID_BYTES);
  if (kind === MailboxKind.RECEIPT) {
    r.finish();
    return { kind, counter, messageId };
  }
  if (kind !== MailboxKind.TEXT) throw remoteError('DECODE_ERROR', `unknown mailbox message kind ${kind}`);
  const sentAtMs = r.u64();
  const bytes = r.restView();
  if (bytes.length < 1 || bytes.length > MAX_ID_TEXT_BYTES) throw remoteError('DECODE_ERROR', `mailbox text of ${bytes.length} bytes`);
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch (e) {
    throw remoteError('DECODE_ERROR', 'mailbox text is not valid UTF-8', e);
  }
  return { kind, counter, messageId, sentAtMs, text };
}

function info(sendId: Uint8Array): Uint8Array {
  return concat(utf8(MAILBOX_INFO_LABEL), sendId);
}

export interface SealInput {
  /** The sender's mailbox key seed (its private key). */
  readonly senderSeed: Uint8Array;
  /** The recipient's mailbox public key (from their MAILBOX offer). */
  readonly recipientPub: Uint8Array;
  /** The queue's send id. */
  readonly sendId: Uint8Array;
  /** The relay message id (also the AAD). */
  readonly msgId: Uint8Array;
  readonly plain: MailboxPlain;
  /** The ephemeral key's seed, for vectors only (default: fresh from the KEM). */
  readonly ephemeralSeed?: Uint8Array;
}

/** The bytes the relay stores for one message. */
export async function sealMailbox(i: SealInput): Promise<Uint8Array> {
  if (i.msgId.length !== ID_BYTES) throw localError('INTERNAL', 'msg id must be 16 bytes');
  if (i.plain.kind === MailboxKind.TEXT && !bytesEqual(i.plain.messageId, i.msgId)) throw localError('INTERNAL', 'a text is sent under its own message id');
  const s = suite();
  const sender = await pairOf(i.senderSeed);
  const ekm = i.ephemeralSeed === undefined ? undefined : await s.kem.deriveKeyPair(i.ephemeralSeed);
  const r = await s.seal(
    { recipientPublicKey: await publicOf(i.recipientPub), senderKey: sender, info: info(i.sendId), ...(ekm === undefined ? {} : { ekm }) },
    encodeMailboxPlain(i.plain),
    i.msgId,
  );
  return concat(u8(MAILBOX_VERSION), new Uint8Array(r.enc), new Uint8Array(r.ct));
}

export interface OpenInput {
  readonly recipientSeed: Uint8Array;
  readonly senderPub: Uint8Array;
  readonly sendId: Uint8Array;
  readonly msgId: Uint8Array;
  readonly data: Uint8Array;
}

/** Opens what the relay gave; throws UNSUPPORTED_VERSION, DECODE_ERROR or AUTH_FAILED (altered, or not from this sender to this queue). */
export async function openMailbox(i: OpenInput): Promise<MailboxPlain> {
  if (i.data.length < 1) throw remoteError('DECODE_ERROR', 'empty mailbox message');
  if (i.data[0] !== MAILBOX_VERSION) throw remoteError('UNSUPPORTED_VERSION', `mailbox message version ${i.data[0] ?? 0}`);
  if (i.data.length < 1 + ENC_BYTES + TAG_BYTES + 1 + 8 + ID_BYTES) throw remoteError('DECODE_ERROR', `mailbox message of ${i.data.length} bytes`);
  const s = suite();
  let pt: ArrayBuffer;
  try {
    const recipient = await pairOf(i.recipientSeed);
    pt = await s.open(
      { recipientKey: recipient, senderPublicKey: await publicOf(i.senderPub), enc: i.data.slice(1, 1 + ENC_BYTES), info: info(i.sendId) },
      i.data.slice(1 + ENC_BYTES),
      i.msgId,
    );
  } catch (e) {
    throw remoteError('AUTH_FAILED', 'a message from the relay does not open (altered, or not sealed by this contact for this queue)', e);
  }
  const m = decodeMailboxPlain(new Uint8Array(pt));
  if (m.kind === MailboxKind.TEXT && !bytesEqual(m.messageId, i.msgId)) throw remoteError('DECODE_ERROR', 'a mailbox text under another id than its own');
  return m;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, k) => x === b[k]);
}
