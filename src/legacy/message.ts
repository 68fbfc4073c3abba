/**
 * v0's JSON messages (legacy-v0.md steps 10–11): the text message with its CRC, the ack, the
 * close. Built as Python's `json.dumps` would write them, keys in the original's order.
 */
import { crc32 } from 'node:zlib';
import { remoteError } from '../errors.js';
import { ctEqual, fromB64, fromUtf8, toB64, utf8 } from '../crypto/bytes.js';
import { aesCbcDecrypt, aesCbcEncrypt } from '../crypto/aead.js';
import { py, pyDumps, pyGet, pySet, type PyJson } from './py-json.js';
import { pyLoads } from './py-json-parse.js';

/** `{"header": {"msg_type": "ack"}, "body": null}` */
export const ACK_JSON = pyDumps(py.dict([['header', py.dict([['msg_type', py.str('ack')]])], ['body', py.null]]));
/** `{"header": {"msg_type": "close"}, "body": null}` (shape of the ack; see docs/LEGACY.md). */
export const CLOSE_JSON = pyDumps(py.dict([['header', py.dict([['msg_type', py.str('close')]])], ['body', py.null]]));

/** `zlib.crc32` (unsigned) of the UTF-8 of a JSON text. node:zlib has crc32 since 20.15. */
export const jsonCrc = (json: string): number => crc32(utf8(json)) >>> 0;

function textMessage(crc: PyJson, timestamp: number, body: string, hmacKey: string): PyJson & { t: 'dict' } {
  return {
    t: 'dict',
    v: [
      ['header', py.dict([['msg_type', py.str('text')], ['crc', crc], ['timestamp', py.float(timestamp)]])],
      ['body', py.str(body)],
      ['security', py.dict([['hmac', py.dict([['hmac_type', py.str('SHA256')], ['hmac_val', py.str(hmacKey)]])], ['enc_type', py.str('AES256CBC')]])],
    ],
  };
}

export interface BuiltTextMessage {
  readonly json: string;
  readonly crc: number;
  readonly body: string;
}

/** Step 10 for the sender: encrypts `text` and writes the JSON with its CRC. */
export function buildTextMessage(dhsk: Uint8Array, iv: Uint8Array, hmacKey: string, text: string, timestamp: number): BuiltTextMessage {
  const body = toB64(aesCbcEncrypt(dhsk, iv, utf8(text)));
  const crc = jsonCrc(pyDumps(textMessage(py.null, timestamp, body, hmacKey)));
  return { json: pyDumps(textMessage(py.int(crc), timestamp, body, hmacKey)), crc, body };
}

/** Byte length of the JSON for `text`, for the sender's size check before the handshake. */
export function textMessageLength(text: string, timestamp: number): number {
  const ctLen = (Math.floor(utf8(text).length / 16) + 1) * 16;
  const body = 'A'.repeat(Math.ceil(ctLen / 3) * 4);
  return utf8(pyDumps(textMessage(py.int(0xffff_ffff), timestamp, body, '0'.repeat(64)))).length;
}

export type ReceivedJson =
  | { readonly kind: 'close' }
  | { readonly kind: 'ack' }
  | { readonly kind: 'text'; readonly text: string; readonly timestamp: number; readonly crc: number };

/** `msg_type` of a parsed v0 JSON message, or DECODE_ERROR. */
function msgType(msg: PyJson): string {
  const t = pyGet(pyGet(msg, 'header'), 'msg_type');
  if (t?.t !== 'str') throw remoteError('DECODE_ERROR', 'JSON message without header.msg_type');
  return t.v;
}

/**
 * Interprets one JSON message received after the handshake. A text message is checked and
 * opened: CRC (FRAME_CORRUPT on mismatch: the original only warns, we refuse),
 * `hmac_type`/`enc_type`, `hmac_val` against our `hmac_key` (constant time; AUTH_FAILED), the
 * base64 body, AES-256-CBC padding (AUTH_FAILED), strict UTF-8 (DECODE_ERROR).
 */
export function readJsonMessage(json: string, keys: { dhsk: Uint8Array; iv: Uint8Array; hmacKey: string }): ReceivedJson {
  const msg = pyLoads(json);
  if (msg.t !== 'dict') throw remoteError('DECODE_ERROR', 'JSON message is not an object');
  const type = msgType(msg);
  if (type === 'close') return { kind: 'close' };
  if (type === 'ack') return { kind: 'ack' };
  if (type !== 'text') throw remoteError('DECODE_ERROR', `unknown msg_type ${JSON.stringify(type.slice(0, 32))}`);
  const header = pyGet(msg, 'header');
  const crc = pyGet(header, 'crc');
  const ts = pyGet(header, 'timestamp');
  const body = pyGet(msg, 'body');
  const sec = pyGet(msg, 'security');
  const hmac = pyGet(sec, 'hmac');
  const hmacType = pyGet(hmac, 'hmac_type');
  const hmacVal = pyGet(hmac, 'hmac_val');
  const encType = pyGet(sec, 'enc_type');
  if (crc?.t !== 'int' || crc.v < 0n || crc.v > 0xffff_ffffn) throw remoteError('DECODE_ERROR', 'text message: crc is not a 32-bit unsigned integer');
  if (ts?.t !== 'float' && ts?.t !== 'int') throw remoteError('DECODE_ERROR', 'text message: timestamp is not a number');
  if (body?.t !== 'str') throw remoteError('DECODE_ERROR', 'text message: body is not a string');
  if (hmacType?.t !== 'str' || hmacType.v !== 'SHA256' || encType?.t !== 'str' || encType.v !== 'AES256CBC') {
    throw remoteError('DECODE_ERROR', 'text message: hmac_type/enc_type are not SHA256/AES256CBC');
  }
  if (hmacVal?.t !== 'str') throw remoteError('DECODE_ERROR', 'text message: hmac_val is not a string');

  const header2 = header?.t === 'dict' ? header : undefined;
  if (header2 === undefined) throw remoteError('DECODE_ERROR', 'text message: header is not an object');
  const computed = jsonCrc(pyDumps(pySet(msg, 'header', pySet(header2, 'crc', py.null))));
  if (BigInt(computed) !== crc.v) {
    throw remoteError('FRAME_CORRUPT', `text message: CRC mismatch (sent ${crc.v}, computed ${computed}); the message was altered or corrupted`);
  }
  if (!ctEqual(utf8(hmacVal.v), utf8(keys.hmacKey))) throw remoteError('AUTH_FAILED', 'text message: hmac_val does not match our hmac_key');

  let ct: Uint8Array;
  try {
    ct = fromB64(body.v);
  } catch (e) {
    throw remoteError('DECODE_ERROR', 'text message: body is not valid base64', e);
  }
  const pt = aesCbcDecrypt(keys.dhsk, keys.iv, ct);
  if (pt === null) throw remoteError('AUTH_FAILED', 'text message: decryption failed (bad length or AES-CBC padding)');
  let text: string;
  try {
    text = fromUtf8(pt);
  } catch (e) {
    throw remoteError('DECODE_ERROR', 'text message: plaintext is not valid UTF-8', e);
  }
  const timestamp = ts.t === 'float' ? ts.v : Number(ts.v);
  return { kind: 'text', text, timestamp, crc: computed };
}
