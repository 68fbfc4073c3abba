/**
 * Generator of test/vectors/groups-v1.json (docs/GROUPS.md §4, §3): our framing around MLS
 * messages and our credential encoding, positive and negative, each negative naming its code.
 *
 * The MLS messages inside the frames are the RFC 9420 interop vectors (test/vectors/mls-rfc9420/
 * messages-0.json), so every byte is fixed: ts-mls cannot produce reproducible MLS bytes of its
 * own (HPKE encapsulation and key generation read WebCrypto's randomness; see src/group/mls.ts).
 *
 *   npx tsc -p . && node dist/test/group/_vectors.js --write
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fromHex, toHex } from '../../src/crypto/bytes.js';
import { deterministicRandom } from '../../src/crypto/random.js';
import { ed25519PublicFromSeed } from '../../src/crypto/ecc.js';
import { encodeCredential } from '../../src/group/credential.js';
import { decodeGroupFrame, encodeGroupFrame, type FrameKindName } from '../../src/group/frame.js';
import { MAX_GROUP_FRAME_BYTES } from '../../src/group/limits.js';

export const VECTORS_PATH = new URL('../../../test/vectors/groups-v1.json', import.meta.url);
const RFC_PATH = new URL('../../../test/vectors/mls-rfc9420/messages-0.json', import.meta.url);

export function rfcMessages(): Record<string, string> {
  return (JSON.parse(readFileSync(RFC_PATH, 'utf8')) as { vector: Record<string, string> }).vector;
}

const hx = (b: Uint8Array): string => toHex(b);

export function generate(): unknown {
  const rfc = rfcMessages();
  const mls = (k: string): Uint8Array => fromHex(rfc[k] ?? '');
  const pos = (name: string, kind: FrameKindName, field: string): unknown => {
    const frame = encodeGroupFrame(kind, mls(field));
    const h = decodeGroupFrame(frame).header;
    return {
      name,
      frame: hx(frame),
      kind,
      wire_format: h.wireFormat,
      ...(h.groupId === undefined ? {} : { group_id: hx(h.groupId), epoch: String(h.epoch), content_type: h.contentType }),
    };
  };
  const pm = mls('private_message');
  const neg = (name: string, bytes: Uint8Array, error: string): unknown => ({ name, frame: hx(bytes), error });
  const seed = deterministicRandom('groups-v1 credential alice')(32);
  const key = ed25519PublicFromSeed(seed);
  const other = ed25519PublicFromSeed(deterministicRandom('groups-v1 credential mallory')(32));
  const cred = encodeCredential('alice', key);
  return {
    description: 'SecureChat group framing v1 (docs/GROUPS.md §4) and credentials (§3): exact bytes, and negative vectors naming their expected error.',
    generator: 'npx tsc -p . && node dist/test/group/_vectors.js --write',
    frames: [
      pos('private message (RFC 9420 messages vector)', 'message', 'private_message'),
      pos('welcome (RFC 9420 messages vector)', 'welcome', 'mls_welcome'),
      pos('key package (RFC 9420 messages vector)', 'key_package', 'mls_key_package'),
    ],
    negative_frames: [
      neg('empty', new Uint8Array(0), 'DECODE_ERROR'),
      neg('header only', Uint8Array.of(1, 1), 'DECODE_ERROR'),
      neg('version 2', encodeGroupFrame('message', pm).map((b, i) => (i === 0 ? 2 : b)), 'UNSUPPORTED_VERSION'),
      neg('version 0', encodeGroupFrame('message', pm).map((b, i) => (i === 0 ? 0 : b)), 'UNSUPPORTED_VERSION'),
      neg('unknown kind 0x07', encodeGroupFrame('message', pm).map((b, i) => (i === 1 ? 7 : b)), 'DECODE_ERROR'),
      neg('kind welcome holding a private message', encodeGroupFrame('welcome', pm), 'DECODE_ERROR'),
      neg('kind message holding a key package', encodeGroupFrame('message', mls('mls_key_package')), 'DECODE_ERROR'),
      neg('a public message (we only accept private ones)', encodeGroupFrame('message', mls('public_message_application')), 'DECODE_ERROR'),
      neg('a group info (not carried)', encodeGroupFrame('welcome', mls('mls_group_info')), 'DECODE_ERROR'),
      neg('one trailing byte', Uint8Array.of(...encodeGroupFrame('message', pm), 0), 'DECODE_ERROR'),
      neg('truncated by one byte', encodeGroupFrame('message', pm).slice(0, -1), 'DECODE_ERROR'),
      neg('MLS version 2', encodeGroupFrame('message', Uint8Array.of(0, 2, ...pm.slice(2))), 'DECODE_ERROR'),
    ],
    oversize_frame: { length: MAX_GROUP_FRAME_BYTES + 1, error: 'FRAME_TOO_LARGE' },
    credentials: [{ name: 'alice', identity_key: hx(key), credential: hx(cred) }],
    negative_credentials: [
      { name: 'version 2', credential: hx(cred.map((b, i) => (i === 0 ? 2 : b))), signature_key: hx(key), error: 'GROUP_CREDENTIAL_INVALID' },
      { name: 'name length too long', credential: hx(cred.map((b, i) => (i === 1 ? 6 : b))), signature_key: hx(key), error: 'GROUP_CREDENTIAL_INVALID' },
      { name: 'key truncated', credential: hx(cred.slice(0, -1)), signature_key: hx(key), error: 'GROUP_CREDENTIAL_INVALID' },
      { name: 'not a username', credential: hx(Uint8Array.of(1, 5, ...new TextEncoder().encode('.alic'), ...key)), signature_key: hx(key), error: 'GROUP_CREDENTIAL_INVALID' },
      { name: 'not UTF-8', credential: hx(Uint8Array.of(1, 2, 0xc3, 0x28, ...key)), signature_key: hx(key), error: 'GROUP_CREDENTIAL_INVALID' },
      { name: 'signed with another key than it names', credential: hx(cred), signature_key: hx(other), error: 'GROUP_CREDENTIAL_INVALID' },
      { name: 'a key other than the pinned one', credential: hx(cred), signature_key: hx(key), pinned: hx(other), error: 'GROUP_MEMBER_KEY_CHANGED' },
    ],
  };
}

export const serialise = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

if (process.argv.includes('--write')) {
  writeFileSync(VECTORS_PATH, serialise(generate()));
  console.log(`wrote ${VECTORS_PATH.pathname}`);
}
