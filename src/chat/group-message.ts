/**
 * The GROUP application message (docs/PROTOCOL.md §12): group traffic carried over a 1:1
 * conversation, receipted like TEXT.
 *
 *   0x10 GROUP  id:u64 || op:u8 || body
 *     op 0x01 FRAME        group_frame                      an MLS message frame (docs/GROUPS.md §4) for the group
 *     op 0x02 WELCOME      name_len:u8 || name || group_frame   a Welcome frame and the group's name
 *     op 0x03 KP_REQUEST   (empty)                          asks the peer for a KeyPackage frame
 *     op 0x04 KEY_PACKAGE  group_frame                      the answer: a key_package frame
 *
 * The group frame is opaque here (the group layer decodes it); this layer checks the op, the
 * lengths and the name. An unknown op, an empty frame, a body over MAX_GROUP_BODY_BYTES, a
 * bad name, or bytes after a KP_REQUEST are `DECODE_ERROR`.
 */
import { concat, u8, utf8 } from '../crypto/bytes.js';
import { localError, remoteError } from '../errors.js';
import { MAX_GROUP_BODY_BYTES, MAX_GROUP_NAME_BYTES } from '../limits.js';

export const GROUP_KIND = 0x10;

export const GroupOp = {
  FRAME: 0x01,
  WELCOME: 0x02,
  KP_REQUEST: 0x03,
  KEY_PACKAGE: 0x04,
} as const;
export type GroupOp = (typeof GroupOp)[keyof typeof GroupOp];

export type GroupAppMessage =
  | { readonly kind: typeof GROUP_KIND; readonly id: number; readonly op: typeof GroupOp.FRAME | typeof GroupOp.KEY_PACKAGE; readonly frame: Uint8Array }
  | { readonly kind: typeof GROUP_KIND; readonly id: number; readonly op: typeof GroupOp.WELCOME; readonly name: string; readonly frame: Uint8Array }
  | { readonly kind: typeof GROUP_KIND; readonly id: number; readonly op: typeof GroupOp.KP_REQUEST };

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Why `name` is not a group name (1..64 bytes of letters, digits, `.`, `_`, `-`), or undefined. */
export function groupNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (utf8(name).length > MAX_GROUP_NAME_BYTES) return `it is longer than ${MAX_GROUP_NAME_BYTES} bytes`;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) return 'use letters, digits, ".", "_" and "-", starting with a letter or digit';
  return undefined;
}

/** The bytes after `kind || id`. Refuses (INTERNAL) what the decoder would refuse. */
export function encodeGroupBody(m: GroupAppMessage): Uint8Array {
  let body: Uint8Array;
  switch (m.op) {
    case GroupOp.KP_REQUEST:
      return u8(m.op);
    case GroupOp.WELCOME: {
      if (groupNameProblem(m.name) !== undefined) throw localError('INTERNAL', 'bad group name');
      const n = utf8(m.name);
      body = concat(u8(m.op), u8(n.length), n, m.frame);
      break;
    }
    default:
      body = concat(u8(m.op), m.frame);
  }
  if (m.frame.length === 0 || body.length > MAX_GROUP_BODY_BYTES) {
    throw localError('GROUP_TOO_LARGE', `a group message of ${body.length} bytes does not fit one direct record (at most ${MAX_GROUP_BODY_BYTES}); a group this large needs a relay`);
  }
  return body;
}

/** Decodes the bytes after `kind || id` (a view into the record: the frame is copied out). */
export function decodeGroupBody(id: number, b: Uint8Array): GroupAppMessage {
  if (b.length < 1) throw remoteError('DECODE_ERROR', 'group message: no op');
  if (b.length > MAX_GROUP_BODY_BYTES) throw remoteError('DECODE_ERROR', `group message of ${b.length} bytes`);
  const op = b[0];
  const rest = b.subarray(1);
  switch (op) {
    case GroupOp.KP_REQUEST:
      if (rest.length !== 0) throw remoteError('DECODE_ERROR', 'group KP_REQUEST: trailing bytes');
      return { kind: GROUP_KIND, id, op };
    case GroupOp.FRAME:
    case GroupOp.KEY_PACKAGE:
      if (rest.length === 0) throw remoteError('DECODE_ERROR', 'group message: empty frame');
      return { kind: GROUP_KIND, id, op, frame: rest.slice() };
    case GroupOp.WELCOME: {
      const len = rest[0] ?? 0;
      if (len === 0 || rest.length < 1 + len + 1) throw remoteError('DECODE_ERROR', 'group WELCOME: bad name length or empty frame');
      let name: string;
      try {
        name = UTF8.decode(rest.subarray(1, 1 + len));
      } catch (e) {
        throw remoteError('DECODE_ERROR', 'group WELCOME: name is not UTF-8', e);
      }
      if (groupNameProblem(name) !== undefined) throw remoteError('DECODE_ERROR', 'group WELCOME: not a valid group name');
      return { kind: GROUP_KIND, id, op, name, frame: rest.slice(1 + len) };
    }
    default:
      throw remoteError('DECODE_ERROR', `unknown group op ${String(op)}`);
  }
}
