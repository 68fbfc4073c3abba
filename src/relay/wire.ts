/**
 * Relay commands and replies (docs/RELAY.md §3): the bytes of one application payload of the
 * relay channel's record layer. Pure encoders and decoders; a decoder refuses anything that is
 * not exactly one well-formed value (`DECODE_ERROR`) before it allocates for it.
 *
 *   Command = corr (u32, ≥ 1) || op (u8) || entity (opaque8, 0 or 16 bytes) || sig (opaque8, 64 bytes) || body (the rest)
 *   Reply   = corr (u32)      || status (u8: 0 ok, 1 error, 2 notify) || body (the rest)
 */
import { concat, u32be, u8 } from '../crypto/bytes.js';
import { remoteError } from '../errors.js';
import { Reader, opaque8 } from '../wire/codec.js';

/** Command op codes (§3.2). */
export const Op = {
  QUEUE_NEW: 0x01,
  SEND: 0x02,
  FETCH: 0x03,
  ACK: 0x04,
  SUBSCRIBE: 0x05,
  QUEUE_DELETE: 0x06,
  LOG_NEW: 0x10,
  LOG_APPEND: 0x11,
  LOG_READ: 0x12,
  KP_NEW: 0x20,
  KP_PUBLISH: 0x21,
  KP_TAKE: 0x22,
} as const;
export type Op = (typeof Op)[keyof typeof Op];
const OPS: ReadonlySet<number> = new Set(Object.values(Op));

export const Status = { OK: 0, ERROR: 1, NOTIFY: 2 } as const;
export type Status = (typeof Status)[keyof typeof Status];

/** Queue, log and box ids: 16 random bytes chosen by the relay. */
export const ENTITY_ID_BYTES = 16;
/** A sender's id for one message (its idempotency key): 16 random bytes. */
export const MESSAGE_ID_BYTES = 16;
export const KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;

export interface Command {
  readonly corr: number;
  readonly op: Op;
  /** Empty for the three create commands, else an id. */
  readonly entity: Uint8Array;
  readonly sig: Uint8Array;
  readonly body: Uint8Array;
}

export interface Reply {
  readonly corr: number;
  readonly status: Status;
  readonly body: Uint8Array;
}

export const isCreate = (op: Op): boolean => op === Op.QUEUE_NEW || op === Op.LOG_NEW || op === Op.KP_NEW;

/** Encodes a command (the client's side). */
export function encodeCommand(c: Command): Uint8Array {
  return concat(u32be(c.corr), u8(c.op), opaque8(c.entity), opaque8(c.sig), c.body);
}

/** Decodes one command. `corr` is returned even when the rest is malformed, so the reply can name it. */
export function decodeCommand(b: Uint8Array): Command {
  const r = new Reader(b, 'relay command');
  const corr = r.u32();
  if (corr === 0) throw remoteError('DECODE_ERROR', 'relay command: correlation id 0 is reserved for notifications');
  const op = r.u8();
  if (!OPS.has(op)) throw remoteError('DECODE_ERROR', `relay command: unknown op 0x${op.toString(16)}`);
  const entity = r.opaque8(0, ENTITY_ID_BYTES);
  const wantEntity = isCreate(op as Op) ? 0 : ENTITY_ID_BYTES;
  if (entity.length !== wantEntity) throw remoteError('DECODE_ERROR', `relay command: entity id of ${entity.length} bytes, not ${wantEntity}`);
  const sig = r.opaque8(SIGNATURE_BYTES, SIGNATURE_BYTES);
  return { corr, op: op as Op, entity, sig, body: r.rest() };
}

/** The correlation id of a payload, or 0 if it is too short to carry one. */
export function corrOf(b: Uint8Array): number {
  return b.length < 4 ? 0 : (((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) >>> 0;
}

export function encodeReply(r: Reply): Uint8Array {
  return concat(u32be(r.corr), u8(r.status), r.body);
}

export function decodeReply(b: Uint8Array): Reply {
  const r = new Reader(b, 'relay reply');
  const corr = r.u32();
  const status = r.u8();
  if (status !== Status.OK && status !== Status.ERROR && status !== Status.NOTIFY) throw remoteError('DECODE_ERROR', `relay reply: unknown status ${status}`);
  return { corr, status, body: r.rest() };
}
