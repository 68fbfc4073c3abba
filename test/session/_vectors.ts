/**
 * Generator of test/vectors/records-v2.json (see test/vectors/README.md): with fixed chain and
 * root keys and deterministicRandom, the exact RECORD frames of a short conversation in each
 * suite (messages both ways, §7 TEXT and RECEIPT, a rekey with messages in flight, CLOSE both
 * ways), plus negative vectors that each name the error they expect.
 */
import { SUITE_KEY_MATERIAL, SUITE_NAMES, type SuiteId } from '../../src/crypto/aead.js';
import { kbkdfCmac } from '../../src/crypto/kbkdf.js';
import { concat, toHex, u8, utf8 } from '../../src/crypto/bytes.js';
import { deterministicRandom } from '../../src/crypto/random.js';
import { sha256 } from '../../src/crypto/hash.js';
import { AppKind, encodeAppMessage } from '../../src/chat/message.js';
import { ContentType, encodeContent } from '../../src/session/content.js';
import { Session } from '../../src/session/session.js';
import { ChainKeys, deriveBatch } from '../../src/session/chain.js';
import { sealRecord } from '../../src/session/record.js';
import { encodeFrame, decodeOneFrame, FrameType } from '../../src/wire/frame.js';
import { fixCrc, flipBit, forgeRecord, handshakeResult, SUITES, type Keys } from './_pair.js';

export interface VectorFrame {
  /** Who sent it: I (initiator) or R (responder). */
  readonly from: 'I' | 'R';
  /** What made the sender produce it. */
  readonly op: 'send' | 'send-batch' | 'tick' | 'close' | 'receive';
  readonly now: number;
  readonly content: 'APP' | 'APP_BATCH' | 'REKEY_INIT' | 'REKEY_REPLY' | 'REKEY_DONE' | 'CLOSE';
  /** For APP: the application data (hex). */
  readonly app?: string;
  /** For APP_BATCH (op send-batch): the messages queued together, in order (hex). */
  readonly apps?: string[];
  readonly frame: string;
}

export interface NegativeVector {
  readonly name: string;
  /** Bytes fed, in this order, to a fresh responder's FrameDecoder and Session. */
  readonly stream: string;
  /** The transport then reports end of stream. */
  readonly eof: boolean;
  /** Application records delivered before the error. */
  readonly delivered: number;
  readonly expect: string;
}

export interface SuiteVectors {
  readonly suite: SuiteId;
  readonly name: string;
  readonly frames: VectorFrame[];
  readonly negative: NegativeVector[];
}

export interface RecordVectors {
  readonly description: string;
  readonly generator: string;
  readonly keys: { readonly root: string; readonly chain_i2r: string; readonly chain_r2i: string };
  readonly random_seeds: { readonly initiator: string; readonly responder: string };
  readonly options: { readonly rekeyAfterMs: number; readonly rekeyAfterRecords: number; readonly rejectAfterRecords: number };
  readonly kdf: KdfVectors;
  readonly suites: SuiteVectors[];
}

/** §6.2 batches from chain_i2r: K_OUT_j = next chain key (32 bytes) || n_j records' material. */
export interface KdfVectors {
  readonly description: string;
  readonly label: string;
  readonly batches: { readonly suite: SuiteId; readonly j: number; readonly ck: string; readonly records: number; readonly k_out: string }[];
}

function kdfVectors(): KdfVectors {
  const batches: KdfVectors['batches'][number][] = [];
  for (const suite of SUITES) {
    let ck = VECTOR_KEYS.chainI2R.slice();
    for (let j = 0; j < 2; j++) {
      const b = deriveBatch(ck, suite, j);
      batches.push({ suite, j, ck: toHex(ck), records: b.count, k_out: toHex(concat(b.next, b.material)) });
      ck = b.next.slice();
    }
  }
  return {
    description:
      'NIST SP 800-108r1 §4.1 counter mode, PRF CMAC-AES-256, r = 32, counter before Label || 0x00 || Context || [L]_32; Context = u8(suite). ' +
      'Reproduce one with OpenSSL: openssl kdf -keylen <(32 + records*K)> -kdfopt mac:CMAC -kdfopt cipher:AES-256-CBC -kdfopt hexkey:<ck> -kdfopt hexsalt:<label> -kdfopt hexinfo:<suite as 2 hex digits> KBKDF',
    label: toHex(utf8('sc2 rk')),
    batches,
  };
}

export const VECTOR_KEYS: Keys = {
  root: sha256(utf8('sc1 vectors root')),
  chainI2R: sha256(utf8('sc1 vectors chain i2r')),
  chainR2I: sha256(utf8('sc1 vectors chain r2i')),
};
export const SEED_I = 'records-v1 initiator';
export const SEED_R = 'records-v1 responder';
export const OPTIONS = { rekeyAfterMs: 1000, rekeyAfterRecords: 10_000, rejectAfterRecords: 20_000 } as const;
export const REKEY_AT = 1000;

export const TEXT = encodeAppMessage({ kind: AppKind.TEXT, id: 1, sentAtMs: 1_767_225_600_000, text: 'hello from the vectors ✓' });
export const RECEIPT = encodeAppMessage({ kind: AppKind.RECEIPT, id: 1 });

type Content = VectorFrame['content'];

export function newSessions(suite: SuiteId): { i: Session; r: Session } {
  return {
    i: Session.fromHandshake(handshakeResult('initiator', suite, VECTOR_KEYS), { now: 0, ...OPTIONS }),
    r: Session.fromHandshake(handshakeResult('responder', suite, VECTOR_KEYS), { now: 0, ...OPTIONS }),
  };
}

/** The conversation, as a list of operations; returns every frame in the order produced. */
function conversation(suite: SuiteId): VectorFrame[] {
  const { i, r } = newSessions(suite);
  const rnd = { I: deterministicRandom(SEED_I), R: deterministicRandom(SEED_R) };
  const s = { I: i, R: r };
  const out: VectorFrame[] = [];
  const inbox: Record<'I' | 'R', { frame: Uint8Array; content: Content }[]> = { I: [], R: [] };
  let now = 0;
  const record = (from: 'I' | 'R', op: VectorFrame['op'], frames: Uint8Array[], contents: Content[], app?: Uint8Array, apps?: Uint8Array[]): void => {
    if (frames.length !== contents.length) throw new Error('generator: unexpected frames');
    frames.forEach((f, k) => {
      const content = contents[k]!;
      out.push({
        from, op, now, content, frame: toHex(f),
        ...(content === 'APP' && app !== undefined ? { app: toHex(app) } : {}),
        ...(content === 'APP_BATCH' && apps !== undefined ? { apps: apps.map(toHex) } : {}),
      });
      inbox[from === 'I' ? 'R' : 'I'].push({ frame: f, content });
    });
  };
  const send = (from: 'I' | 'R', data: Uint8Array): void => {
    const frames = s[from].sendApp(data, now, rnd[from]);
    record(from, 'send', frames, frames.length === 2 ? ['REKEY_INIT', 'APP'] : ['APP'], data);
  };
  const sendBatch = (from: 'I' | 'R', datas: Uint8Array[]): void => {
    const frames = s[from].sendApps(datas, now, rnd[from]);
    record(from, 'send-batch', frames, ['APP_BATCH'], undefined, datas);
  };
  const answers: Partial<Record<Content, Content>> = { REKEY_INIT: 'REKEY_REPLY', REKEY_REPLY: 'REKEY_DONE', CLOSE: 'CLOSE' };
  const deliver = (to: 'I' | 'R'): void => {
    for (const { frame, content } of inbox[to].splice(0)) {
      const res = s[to].receive(decodeOneFrame(frame), now, rnd[to]);
      const a = answers[content];
      record(to, 'receive', res.send, res.send.length > 0 && a !== undefined ? [a] : []);
    }
  };
  send('I', utf8('hello, bob'));
  send('R', utf8('hi alice'));
  send('I', TEXT);
  sendBatch('I', [utf8('queued together: one'), utf8('queued together: two'), new Uint8Array(0)]);
  deliver('R');
  send('R', RECEIPT);
  deliver('I');
  now = REKEY_AT;
  record('I', 'tick', s.I.tick(now, rnd.I), ['REKEY_INIT']);
  send('I', utf8('sent while the rekey is pending'));
  deliver('R'); // REPLY
  send('R', utf8('first message on the new chain'));
  deliver('I'); // DONE
  send('I', new Uint8Array(0));
  deliver('R');
  record('I', 'close', [s.I.close()], ['CLOSE']);
  deliver('R'); // R's CLOSE
  deliver('I');
  return out;
}

export function generateRecordVectors(): RecordVectors {
  return {
    description:
      'SecureChat record layer v2 (docs/PROTOCOL.md §6, §7; record keys from the SP 800-108r1 counter-mode KDF with CMAC-AES-256, in batches): exact RECORD frames per suite for fixed keys and randomness, and negative vectors naming their expected error.',
    generator: 'npx tsc -p . && node dist/test/session/gen-vectors.js',
    keys: { root: toHex(VECTOR_KEYS.root), chain_i2r: toHex(VECTOR_KEYS.chainI2R), chain_r2i: toHex(VECTOR_KEYS.chainR2I) },
    random_seeds: { initiator: SEED_I, responder: SEED_R },
    options: OPTIONS,
    kdf: kdfVectors(),
    suites: SUITES.map((suite) => {
      const frames = conversation(suite);
      return { suite, name: SUITE_NAMES[suite], frames, negative: negatives(suite, frames) };
    }),
  };
}

function negatives(suite: SuiteId, frames: VectorFrame[]): NegativeVector[] {
  const fromI = frames.filter((f) => f.from === 'I').map((f) => fromHexStrict(f.frame));
  const fromR = frames.filter((f) => f.from === 'R').map((f) => fromHexStrict(f.frame));
  const f0 = fromI[0]!;
  const f1 = fromI[1]!;
  const hdr = (mut: (h: Uint8Array) => void): Uint8Array => {
    const b = f0.slice();
    mut(b);
    return fixCrc(b);
  };
  const forge = (seq: number, inner: Uint8Array): Uint8Array => forgeRecord(VECTOR_KEYS.chainI2R, suite, seq, inner);
  /** Record `seq` sealed under the key material of record `keyOf` of the same chain. */
  const wrongKey = (seq: number, keyOf: number): Uint8Array => {
    const c = new ChainKeys(VECTOR_KEYS.chainI2R.slice(), suite);
    for (let k = 0; k < keyOf; k++) {
      c.current();
      c.advance();
    }
    return sealRecord(suite, c.current(), seq, encodeContent({ type: ContentType.APP, data: utf8('wrong key') }));
  };
  /** Record `seq` sealed under record `seq`'s material of a first batch of 5 (the spec says 4). */
  const fiveRecordBatch = (seq: number): Uint8Array => {
    const k = SUITE_KEY_MATERIAL[suite];
    const out = kbkdfCmac(VECTOR_KEYS.chainI2R, utf8('sc2 rk'), u8(suite), 32 + 5 * k);
    return sealRecord(suite, out.subarray(32 + seq * k, 32 + (seq + 1) * k), seq, encodeContent({ type: ContentType.APP, data: utf8('wrong key') }));
  };
  const v = (name: string, parts: Uint8Array[], expect: string, delivered: number, eof = false): NegativeVector => ({
    name,
    stream: toHex(concat(...parts)),
    eof,
    delivered,
    expect,
  });
  return [
    v('replay of record 0 after record 1', [f0, f1, f0], 'RECORD_REPLAY', 2),
    v('duplicated record', [f0, f0], 'RECORD_REPLAY', 1),
    v('record 1 before record 0 (reorder or deletion)', [f1], 'RECORD_GAP', 0),
    v('reflected: the responder gets its own record 0', [fromR[0]!], 'AUTH_FAILED', 0),
    v('last tag bit flipped, CRC recomputed', [fixCrc(flipBit(f0, (f0.length - 5) * 8))], 'AUTH_FAILED', 0),
    v('first ciphertext bit flipped, CRC recomputed', [fixCrc(flipBit(f0, 14 * 8))], 'AUTH_FAILED', 0),
    v('ciphertext bit flipped, CRC left as sent', [flipBit(f0, 14 * 8)], 'FRAME_CORRUPT', 0),
    v('sequence number 0 changed to 1, CRC recomputed', [hdr((b) => (b[13] = 1))], 'RECORD_GAP', 0),
    v('sequence number 0 changed to 2^64-1, CRC recomputed', [hdr((b) => b.fill(0xff, 6, 14))], 'RECORD_GAP', 0),
    v('version 2', [hdr((b) => (b[0] = 2))], 'FRAME_MALFORMED', 0),
    v('unknown frame type 0x11', [hdr((b) => (b[1] = 0x11))], 'FRAME_MALFORMED', 0),
    v('length 2^32-1 (refused from the 6 header bytes)', [hdr((b) => b.fill(0xff, 2, 6)).subarray(0, 6)], 'FRAME_TOO_LARGE', 0),
    v('length 0', [Uint8Array.of(1, 0x10, 0, 0, 0, 0)], 'FRAME_MALFORMED', 0),
    v('stream ends inside record 1', [f0, f1.subarray(0, f1.length - 1)], 'FRAME_TRUNCATED', 1, true),
    v('stream ends after record 0 without CLOSE', [f0], 'TRUNCATED', 1, true),
    v('CLOSE counting 3 records where 5 messages arrived (APP_BATCH counts its messages)', [fromI[0]!, fromI[1]!, fromI[2]!, forge(3, encodeContent({ type: ContentType.CLOSE, appRecords: 3, reason: 0 }))], 'TRUNCATED', 5),
    v('CLOSE claiming 0 application records after 1', [f0, forge(1, encodeContent({ type: ContentType.CLOSE, appRecords: 0, reason: 0 }))], 'TRUNCATED', 1),
    v('unknown content type 0x07', [forge(0, Uint8Array.of(0x07))], 'DECODE_ERROR', 0),
    v('record 0 sealed under record 1\'s key', [wrongKey(0, 1)], 'AUTH_FAILED', 0),
    v('record 4 (first of batch 1) sealed under the key a 5-record first batch would give', [fromI[0]!, fromI[1]!, fromI[2]!, fromI[3]!, fiveRecordBatch(4)], 'AUTH_FAILED', 5),
    v('APP_BATCH holding one message (must be APP)', [forge(0, Uint8Array.of(ContentType.APP_BATCH, 0, 1, 0x61))], 'DECODE_ERROR', 0),
    v('APP_BATCH item longer than the record', [forge(0, Uint8Array.of(ContentType.APP_BATCH, 0, 1, 0x61, 0, 9, 0x62))], 'DECODE_ERROR', 0),
    v('REKEY_DONE with no rekey', [forge(0, u8(ContentType.REKEY_DONE))], 'UNEXPECTED_MESSAGE', 0),
    v('ALERT frame after the handshake', [encodeFrame(FrameType.ALERT, u8(1)).raw], 'UNEXPECTED_MESSAGE', 0),
  ];
}

function fromHexStrict(h: string): Uint8Array {
  return Uint8Array.from(Buffer.from(h, 'hex'));
}
