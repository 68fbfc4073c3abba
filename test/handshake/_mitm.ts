/** Man-in-the-middle building blocks: decode a handshake frame, change a field, re-encode (valid CRC). */
import { encodeFrame, decodeOneFrame, FrameType } from '../../src/wire/frame.js';
import {
  decodeClientFinish, decodeClientHello, decodeServerHello, encodeClientFinish, encodeClientHello, encodeServerHello,
  type ClientFinish, type ClientHello, type ServerHello,
} from '../../src/handshake/messages.js';
import type { Dir, Tamper } from './_harness.js';

const typeOf = (b: Uint8Array): number => b[1] ?? -1;

export function rewriteCH(bytes: Uint8Array, f: (m: ClientHello) => ClientHello): Uint8Array {
  return encodeFrame(FrameType.CLIENT_HELLO, encodeClientHello(f(decodeClientHello(decodeOneFrame(bytes).payload)))).raw;
}
export function rewriteSH(bytes: Uint8Array, f: (m: ServerHello) => ServerHello): Uint8Array {
  return encodeFrame(FrameType.SERVER_HELLO, encodeServerHello(f(decodeServerHello(decodeOneFrame(bytes).payload)))).raw;
}
export function rewriteCF(bytes: Uint8Array, f: (m: ClientFinish) => ClientFinish): Uint8Array {
  return encodeFrame(FrameType.CLIENT_FINISH, encodeClientFinish(f(decodeClientFinish(decodeOneFrame(bytes).payload)))).raw;
}

/** A tamper that applies `f` to the first frame of `type` going in `dir`, and relays the rest. */
export function onFrame(dir: Dir, type: number, f: (b: Uint8Array) => Uint8Array): Tamper {
  let done = false;
  return (d, b) => {
    if (!done && d === dir && typeOf(b) === type) {
      done = true;
      return [f(b)];
    }
    return [b];
  };
}

/** Composes tampers left to right. */
export function both(a: Tamper, b: Tamper): Tamper {
  return (d, bytes, n) => a(d, bytes, n).flatMap((x) => b(d, x, n));
}
