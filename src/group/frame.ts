/**
 * Our framing around MLS messages (docs/GROUPS.md §4):
 *
 *   GroupFrame = version (u8, 0x01) || kind (u8) || mls_message (the rest: one MLSMessage)
 *
 * kind 0x01 `message`     an mls_private_message (commit, proposal or application message)
 * kind 0x02 `welcome`     an mls_welcome
 * kind 0x03 `key_package` an mls_key_package
 *
 * The frame is what goes inside a 1:1 session record or (later) a relay queue. Decoding checks,
 * in this order: size limits (`FRAME_TOO_LARGE`), version (`UNSUPPORTED_VERSION`), kind
 * (`DECODE_ERROR`), then the MLS message decodes with no byte left over, is MLS 1.0, and has
 * the wire format the kind names (`DECODE_ERROR`); an mls_public_message is refused (we never
 * send one: every handshake message is encrypted). Pure.
 */
import { concat, u8 } from '../crypto/bytes.js';
import { remoteError } from '../errors.js';
import { decodeMlsHeader, type MlsHeader, type WireFormat } from './mls.js';
import { MAX_GROUP_FRAME_BYTES, MAX_GROUP_ID_BYTES } from './limits.js';

export const GROUP_FRAME_VERSION = 1;

export const FrameKind = { message: 0x01, welcome: 0x02, key_package: 0x03 } as const;
export type FrameKindName = keyof typeof FrameKind;

const WIRE_OF: Record<FrameKindName, WireFormat> = {
  message: 'mls_private_message',
  welcome: 'mls_welcome',
  key_package: 'mls_key_package',
};

export interface GroupFrame {
  readonly kind: FrameKindName;
  /** The whole MLSMessage, as it was on the wire. */
  readonly mls: Uint8Array;
  readonly header: MlsHeader;
}

function kindName(b: number): FrameKindName | undefined {
  for (const [name, v] of Object.entries(FrameKind)) if (v === b) return name as FrameKindName;
  return undefined;
}

export function encodeGroupFrame(kind: FrameKindName, mls: Uint8Array): Uint8Array {
  return concat(u8(GROUP_FRAME_VERSION), u8(FrameKind[kind]), mls);
}

export function decodeGroupFrame(bytes: Uint8Array): GroupFrame {
  if (bytes.length > MAX_GROUP_FRAME_BYTES) throw remoteError('FRAME_TOO_LARGE', `a group frame of ${bytes.length} bytes is over the ${MAX_GROUP_FRAME_BYTES}-byte limit`);
  if (bytes.length < 3) throw remoteError('DECODE_ERROR', 'a group frame is at least 3 bytes');
  if (bytes[0] !== GROUP_FRAME_VERSION) throw remoteError('UNSUPPORTED_VERSION', `group frame version ${bytes[0]} is not supported`);
  const kind = kindName(bytes[1] ?? 0);
  if (kind === undefined) throw remoteError('DECODE_ERROR', `unknown group frame kind ${bytes[1]}`);
  const mls = bytes.slice(2);
  const header = decodeMlsHeader(mls);
  if (header.wireFormat !== WIRE_OF[kind]) throw remoteError('DECODE_ERROR', `a group frame of kind ${kind} holds an ${header.wireFormat}`);
  if (header.groupId !== undefined && (header.groupId.length === 0 || header.groupId.length > MAX_GROUP_ID_BYTES)) {
    throw remoteError('DECODE_ERROR', `a group id of ${header.groupId.length} bytes`);
  }
  return { kind, mls, header };
}
