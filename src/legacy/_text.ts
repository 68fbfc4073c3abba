/** Internal: decoding received v0 messages to text, with typed errors. */
import { remoteError } from '../errors.js';
import { fromUtf8 } from '../crypto/bytes.js';

export function asAscii(msg: Uint8Array, what: string): string {
  if (msg.some((c) => c > 0x7e)) throw remoteError('DECODE_ERROR', `${what} is not ASCII`);
  return Buffer.from(msg).toString('latin1');
}

export function asUtf8(msg: Uint8Array): string {
  try {
    return fromUtf8(msg);
  } catch (e) {
    throw remoteError('DECODE_ERROR', 'message is not valid UTF-8', e);
  }
}

export function bytesEq(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
