/**
 * Generator of test/vectors/messages-v2.json (docs/PROTOCOL.md §7, content format 2): the exact
 * bytes of TEXT, RECEIPT and TEXT_ID, and negative vectors naming the error code a receiver
 * answers. Run only when §7 changes, together with PROTOCOL.md:
 *   npx tsc -p . && node dist/test/chat/_message-vectors.js --write
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { concat, fromHex, toHex, u8, u64be, utf8 } from '../../src/crypto/bytes.js';
import { AppKind, encodeAppMessage, MAX_ID_TEXT_BYTES, type AppMessage } from '../../src/chat/message.js';

export const VECTOR_FILE = fileURLToPath(new URL('../../../test/vectors/messages-v2.json', import.meta.url));

export interface PositiveVector {
  readonly name: string;
  readonly kind: number;
  readonly id: number;
  readonly message_id?: string;
  readonly sent_at_ms?: number;
  /** Hex of the UTF-8 text (exactly the bytes sent). */
  readonly text?: string;
  readonly bytes: string;
}

export interface NegativeVector {
  readonly name: string;
  readonly bytes: string;
  readonly error: string;
}

const MID = fromHex('00112233445566778899aabbccddeeff');

function positive(name: string, m: AppMessage): PositiveVector {
  const bytes = toHex(encodeAppMessage(m));
  switch (m.kind) {
    case AppKind.TEXT:
      return { name, kind: m.kind, id: m.id, sent_at_ms: m.sentAtMs, text: toHex(utf8(m.text)), bytes };
    case AppKind.RECEIPT:
      return { name, kind: m.kind, id: m.id, bytes };
    case AppKind.TEXT_ID:
      return { name, kind: m.kind, id: m.id, message_id: toHex(m.messageId), sent_at_ms: m.sentAtMs, text: toHex(utf8(m.text)), bytes };
    case AppKind.GROUP:
      throw new Error('GROUP messages have their own vectors (test/vectors/group-app-v1.json)');
    case AppKind.MAILBOX:
      throw new Error('MAILBOX messages have their own vectors (test/vectors/relay-mailbox-v1.json)');
    case AppKind.FILE:
      throw new Error('FILE messages have their own vectors (test/vectors/files-v1.json)');
  }
}

const idHead = (id: number, mid: Uint8Array, at: number): Uint8Array => concat(u8(AppKind.TEXT_ID), u64be(id), mid, u64be(at));

export function vectors(): { description: string; content_format: number; positive: PositiveVector[]; negative: NegativeVector[] } {
  const at = 1_767_225_600_000; // 2026-01-01T00:00:00Z
  const positives = [
    positive('TEXT (content format 1, still decoded)', { kind: AppKind.TEXT, id: 1, sentAtMs: at, text: 'hello' }),
    positive('RECEIPT', { kind: AppKind.RECEIPT, id: 1 }),
    positive('TEXT_ID', { kind: AppKind.TEXT_ID, id: 1, messageId: MID, sentAtMs: at, text: 'hello' }),
    positive('TEXT_ID, the same message retried on a new connection (new id, same message id)', { kind: AppKind.TEXT_ID, id: 7, messageId: MID, sentAtMs: at + 60_000, text: 'hello' }),
    positive('TEXT_ID with a leading U+FEFF (kept) and non-ASCII text', { kind: AppKind.TEXT_ID, id: 2, messageId: MID, sentAtMs: 0, text: '\ufeffgrüße, 世界' }),
  ];
  const hex = (b: Uint8Array): string => toHex(b);
  const negatives: NegativeVector[] = [
    { name: 'TEXT_ID with an empty text', bytes: hex(idHead(1, MID, at)), error: 'DECODE_ERROR' },
    { name: 'TEXT_ID with id 0', bytes: hex(concat(idHead(0, MID, at), utf8('x'))), error: 'DECODE_ERROR' },
    { name: 'TEXT_ID with an all-zero message id', bytes: hex(concat(idHead(1, new Uint8Array(16), at), utf8('x'))), error: 'DECODE_ERROR' },
    { name: 'TEXT_ID truncated inside the message id', bytes: hex(concat(u8(AppKind.TEXT_ID), u64be(1), MID.subarray(0, 9))), error: 'DECODE_ERROR' },
    { name: 'TEXT_ID with invalid UTF-8', bytes: hex(concat(idHead(1, MID, at), Uint8Array.of(0xc3))), error: 'DECODE_ERROR' },
    { name: 'TEXT_ID with an encoded surrogate', bytes: hex(concat(idHead(1, MID, at), Uint8Array.of(0xed, 0xa0, 0x80))), error: 'DECODE_ERROR' },
    { name: `TEXT_ID with ${MAX_ID_TEXT_BYTES + 1} bytes of text`, bytes: hex(concat(idHead(1, MID, at), new Uint8Array(MAX_ID_TEXT_BYTES + 1).fill(0x61))), error: 'DECODE_ERROR' },
    { name: 'TEXT_ID with sent_at_ms above 2^53-1', bytes: hex(concat(u8(AppKind.TEXT_ID), u64be(1), MID, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), utf8('x'))), error: 'DECODE_ERROR' },
    { name: 'RECEIPT with a trailing byte', bytes: hex(concat(u8(AppKind.RECEIPT), u64be(1), u8(0))), error: 'DECODE_ERROR' },
    { name: 'unknown kind 0x05', bytes: hex(concat(u8(5), u64be(1))), error: 'DECODE_ERROR' },
    { name: 'empty', bytes: '', error: 'DECODE_ERROR' },
  ];
  return {
    description: 'docs/PROTOCOL.md §7, application messages, content format 2 (TEXT_ID). bytes: hex of the whole message (the APP payload or one APP_BATCH item). Negative vectors: what decodeAppMessage refuses, with the code.',
    content_format: 2,
    positive: positives,
    negative: negatives,
  };
}

export function render(): string {
  return `${JSON.stringify(vectors(), null, 2)}\n`;
}

if (process.argv.includes('--write')) writeFileSync(VECTOR_FILE, render());
