/**
 * The handshake transcript (docs/PROTOCOL.md §4.3–§4.5): the complete frames as sent
 * (header, payload and CRC), in order. Every hash the handshake uses is a prefix of it.
 * Immutable: `with` returns a new transcript, so a failed check never changes the old one.
 */
import { concat, utf8, u8 } from '../crypto/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { opaque8, opaque16 } from '../wire/codec.js';

export class Transcript {
  readonly frames: readonly Uint8Array[];

  constructor(frames: readonly Uint8Array[] = []) {
    this.frames = frames;
  }

  /** A new transcript with `raw` (copied) appended. */
  with(raw: Uint8Array): Transcript {
    return new Transcript([...this.frames, raw.slice()]);
  }

  /** H(frame_0 || ... || frame_n-1). */
  hash(): Uint8Array {
    return sha256(...this.frames);
  }

  bytes(): Uint8Array {
    return concat(...this.frames);
  }
}

export const INITIATOR_SIGNATURE_CONTEXT = 'SecureChat v1 initiator signature';
export const RESPONDER_SIGNATURE_CONTEXT = 'SecureChat v1 responder signature';

/**
 * id_part_I = CH || SH || opaque16(ke3) || identity_key || opaque8(name)   (§4.4)
 * id_part_R = CH || SH || CF || identity_key || opaque8(name)             (§4.5)
 * `prefix` is `CH || SH || opaque16(ke3)` or `CH || SH || CF`.
 */
export function idPart(prefix: Uint8Array, identityKey: Uint8Array, name: string): Uint8Array {
  return concat(prefix, identityKey, opaque8(utf8(name)));
}

export function initiatorIdPrefix(t: Transcript, ke3: Uint8Array): Uint8Array {
  return concat(t.bytes(), opaque16(ke3));
}

/** The message an identity key signs: context || 0x00 || H(id_part). */
export function signedMessage(context: string, idPartBytes: Uint8Array): Uint8Array {
  return concat(utf8(context), u8(0), sha256(idPartBytes));
}
