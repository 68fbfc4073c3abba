/**
 * Generator of test/vectors/relay-mailbox-v1.json (docs/RELAY.md §10, PROTOCOL.md §13): the
 * sealed offline messages (HPKE mode_auth with fixed key seeds and ephemeral seed), the MAILBOX
 * offer, negative inputs with their codes, and the receiver's decisions on counter sequences.
 * Regenerate only when the bytes change, with the docs:
 *   npx tsc -p . && node dist/test/relay/_make-mailbox-vectors.js
 */
import { writeFileSync } from 'node:fs';
import { concat, fromHex, toHex, u8, u64be } from '../../src/crypto/bytes.js';
import { MAILBOX_KIND, encodeMailboxBody, type MailboxOffer } from '../../src/relay/mailbox-offer.js';
import { MailboxKind, mailboxPublicKey, sealMailbox } from '../../src/relay/mailbox-seal.js';
import { decideInbound, FRESH_INBOUND, type InboundState } from '../../src/app/relay-inbox.js';

const seed = (b: number): Uint8Array => new Uint8Array(32).fill(b);
export const SENDER_SEED = seed(0x11);
export const RECIPIENT_SEED = seed(0x22);
const EPH = seed(0x33);
const SEND_ID = fromHex('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf');
const MSG_ID = fromHex('00112233445566778899aabbccddeeff');
const RECEIPT_ID = fromHex('f0e0d0c0b0a090807060504030201000');

function flip(hex: string, at: number): string {
  const b = fromHex(hex);
  b[at] = (b[at] ?? 0) ^ 0x01;
  return toHex(b);
}

export async function makeMailboxVectors(): Promise<Record<string, unknown>> {
  const senderPub = await mailboxPublicKey(SENDER_SEED);
  const recipientPub = await mailboxPublicKey(RECIPIENT_SEED);
  const text = await sealMailbox({ senderSeed: SENDER_SEED, recipientPub, sendId: SEND_ID, msgId: MSG_ID, plain: { kind: MailboxKind.TEXT, counter: 1, messageId: MSG_ID, sentAtMs: 1_767_225_600_000, text: 'hello while you were away' }, ephemeralSeed: EPH });
  const receipt = await sealMailbox({ senderSeed: RECIPIENT_SEED, recipientPub: senderPub, sendId: SEND_ID, msgId: RECEIPT_ID, plain: { kind: MailboxKind.RECEIPT, counter: 1, messageId: MSG_ID }, ephemeralSeed: EPH });
  const t = toHex(text);
  const offer: MailboxOffer = { relayKey: fromHex('5f'.repeat(32)), host: '127.0.0.1', port: 7400, sendId: SEND_ID, sendSeed: seed(0x44), mailboxKey: recipientPub };
  const offerBytes = toHex(concat(u8(MAILBOX_KIND), u64be(3), encodeMailboxBody(offer)));
  const decisions = (steps: [('text' | 'receipt'), number, string][]): unknown[] => {
    let s: InboundState = FRESH_INBOUND;
    return steps.map(([kind, counter, id]) => {
      const d = decideInbound(s, kind, counter, id);
      if (d.action === 'accept') s = d.next;
      return { kind, counter, relay_id: id, action: d.action, ...(d.action === 'accept' ? { last: d.next.last } : { code: d.code }) };
    });
  };
  const id = (n: number): string => n.toString(16).padStart(32, '0');
  return {
    description: 'docs/RELAY.md §10 and docs/PROTOCOL.md §13: offline messages sealed with HPKE (RFC 9180) mode_auth, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM; info = "sc1 relay mailbox v1" || send_id, aad = msg_id; data = 0x01 || enc || ct. Key pairs from DeriveKeyPair(seed). rfc9180_a13 is RFC 9180 Appendix A.1.3 (mode_auth, AES-128-GCM), sequence number 0, to check the library.',
    rfc9180_a13: {
      info: '4f6465206f6e2061204772656369616e2055726e',
      ikmE: 'fbdea51dc940c2cdf5fe671dacc6742675e66d0c1f933d22cac79110270b4072',
      ikmR: '0d7bff4037bfa456c3545fe6f9068219d6fee1a56483a170ff0735e6bac86b2d',
      ikmS: '45a6690472f0a47e17281462b1e012ec79e1e838ec950c00c013439b47ffa3d8',
      enc: '167b8fa9e5183677d45f502593dfca2cedc0162e44368f39de03a0158c685112',
      shared_secret: '601b1e9f9d238091c78f01f92602a4b6739b3d57545e4c6c0e252122f36dad00',
      pt: '4265617574792069732074727574682c20747275746820626561757479',
      aad: '436f756e742d30',
      ct: 'fcad483c96f316d46d8503714b549185190d7acd3eae9efcf3349777ef096b9e7bc3d8a65a27b976250a42a58f',
    },
    keys: { sender_seed: toHex(SENDER_SEED), sender_pub: toHex(senderPub), recipient_seed: toHex(RECIPIENT_SEED), recipient_pub: toHex(recipientPub), ephemeral_seed: toHex(EPH) },
    sealed: [
      { name: 'TEXT, counter 1, sender → recipient', send_id: toHex(SEND_ID), msg_id: toHex(MSG_ID), sender_pub: toHex(senderPub), recipient_seed: toHex(RECIPIENT_SEED), kind: 1, counter: 1, message_id: toHex(MSG_ID), sent_at_ms: 1_767_225_600_000, text: 'hello while you were away', data: t },
      { name: 'RECEIPT for it, counter 1, recipient → sender', send_id: toHex(SEND_ID), msg_id: toHex(RECEIPT_ID), sender_pub: toHex(recipientPub), recipient_seed: toHex(SENDER_SEED), kind: 2, counter: 1, message_id: toHex(MSG_ID), data: toHex(receipt) },
    ],
    sealed_negative: [
      { name: 'version 2', send_id: toHex(SEND_ID), msg_id: toHex(MSG_ID), data: `02${t.slice(2)}`, expect: 'UNSUPPORTED_VERSION' },
      { name: 'truncated to the header', send_id: toHex(SEND_ID), msg_id: toHex(MSG_ID), data: t.slice(0, 2 * 40), expect: 'DECODE_ERROR' },
      { name: 'one ciphertext bit flipped by the relay', send_id: toHex(SEND_ID), msg_id: toHex(MSG_ID), data: flip(t, 40), expect: 'AUTH_FAILED' },
      { name: 'enc altered', send_id: toHex(SEND_ID), msg_id: toHex(MSG_ID), data: flip(t, 5), expect: 'AUTH_FAILED' },
      { name: 'moved to another queue (send id)', send_id: 'b0'.repeat(16), msg_id: toHex(MSG_ID), data: t, expect: 'AUTH_FAILED' },
      { name: 'stored under another relay id', send_id: toHex(SEND_ID), msg_id: 'ff'.repeat(16), data: t, expect: 'AUTH_FAILED' },
      { name: 'empty', send_id: toHex(SEND_ID), msg_id: toHex(MSG_ID), data: '', expect: 'DECODE_ERROR' },
    ],
    offer: { relay_key: toHex(offer.relayKey), host: offer.host, port: offer.port, send_id: toHex(offer.sendId), send_seed: toHex(offer.sendSeed), mailbox_key: toHex(offer.mailboxKey), id: 3, bytes: offerBytes },
    offer_negative: [
      { name: 'version 2', bytes: `${offerBytes.slice(0, 18)}02${offerBytes.slice(20)}`, expect: 'UNSUPPORTED_VERSION' },
      { name: 'a trailing byte', bytes: `${offerBytes}00`, expect: 'DECODE_ERROR' },
      { name: 'truncated mailbox key', bytes: offerBytes.slice(0, -2), expect: 'DECODE_ERROR' },
      { name: 'port 0', bytes: `${offerBytes.slice(0, 20 + 64)}0000${offerBytes.slice(20 + 64 + 4)}`, expect: 'DECODE_ERROR' },
      { name: 'a host with a space', bytes: toHex(concat(fromHex(offerBytes.slice(0, 20 + 64 + 4)), u8(3), Uint8Array.of(0x61, 0x20, 0x62), fromHex(offerBytes.slice(20 + 64 + 4 + 2 + 18)))), expect: 'DECODE_ERROR' },
    ],
    inbound: [
      { name: 'in order, a gap allowed (a cancelled message)', steps: decisions([['text', 1, id(1)], ['text', 2, id(2)], ['text', 4, id(4)]]) },
      { name: 'the relay replays a stored message', steps: decisions([['text', 1, id(1)], ['text', 1, id(1)]]) },
      { name: 'the relay reorders: an older message after a newer one', steps: decisions([['text', 2, id(2)], ['text', 1, id(1)], ['text', 3, id(3)]]) },
      { name: 'a receipt out of order still settles its message', steps: decisions([['text', 5, id(5)], ['receipt', 3, id(3)]]) },
    ],
  };
}

if (process.argv[1]?.endsWith('_make-mailbox-vectors.js') === true) {
  const v = await makeMailboxVectors();
  writeFileSync(new URL('../../../test/vectors/relay-mailbox-v1.json', import.meta.url), `${JSON.stringify(v, null, 2)}\n`);
  process.stdout.write('wrote test/vectors/relay-mailbox-v1.json\n');
}
