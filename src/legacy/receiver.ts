/**
 * The v0 receiver (the original's listening side), sans I/O: bytes in, bytes and events out.
 * The DH private exponent and the challenge are parameters (see `newLegacyReceiver`).
 *
 *   hello ─▶ key ─▶ response ─▶ auth-reply ─▶ text ─▶ after-text ─▶ done
 *
 * Answers, as the original: a hello whose part after the first `:` is not `None` gets
 * `nack:Invalid message format`; a wrong response gets `nack:Invalid response`. Our choices
 * where the original has none are in docs/LEGACY.md.
 */
import { remoteError } from '../errors.js';
import { ctEqual, fromUtf8, utf8, wipe } from '../crypto/bytes.js';
import { asAscii, asUtf8, bytesEq } from './_text.js';
import type { RandomSource } from '../crypto/random.js';
import { ACK_AUTH, AUTH_PREFIX, CHALLENGE_PREFIX, HELLO, NACK_FORMAT, NACK_RESPONSE, RESPONSE_PREFIX } from './ascii.js';
import { authValue, challengeResponse, deriveChap, newChallenge } from './chap.js';
import { decodeDhPem, encodeDhPem } from './dh-pem.js';
import { deriveDhsk, dhKeyPair, dhPrivateKey, oakleyGroup2, type DhGroup } from './dh.js';
import { hexTagged, jsonObject, literal, pem, whole, type Shape } from './framing.js';
import { KeyedMachine, Refusal } from './machine.js';
import { ACK_JSON, readJsonMessage } from './message.js';

type ReceiverState = 'hello' | 'key' | 'response' | 'auth-reply' | 'text' | 'after-text' | 'done' | 'failed';

const SHAPES: Readonly<Record<ReceiverState, readonly Shape[]>> = {
  hello: [whole(literal(HELLO))],
  key: [whole(pem)],
  response: [whole(hexTagged(RESPONSE_PREFIX, 64))],
  'auth-reply': [literal(ACK_AUTH), literal(NACK_RESPONSE), literal(NACK_FORMAT)],
  text: [jsonObject],
  'after-text': [jsonObject],
  done: [],
  failed: [],
};

export interface LegacyReceiverParams {
  /** The receiver's password, UTF-8. */
  readonly password: Uint8Array;
  /** The DH group our key is in (RFC 2409 Oakley Group 2 by default). */
  readonly group: DhGroup;
  /** Our DH private exponent. */
  readonly privateKey: Uint8Array;
  /** The challenge: a decimal string. */
  readonly challenge: string;
}

export class LegacyReceiver extends KeyedMachine<ReceiverState> {
  protected state: ReceiverState = 'hello';
  private readonly challenge: string;
  private readonly dh: ReturnType<typeof dhKeyPair>;

  constructor(params: LegacyReceiverParams) {
    super(params.password);
    this.challenge = params.challenge;
    this.dh = dhKeyPair(params.group, params.privateKey);
  }

  /** Our public key as the PEM we send after the hello. */
  get publicPem(): string {
    return encodeDhPem(this.dh.publicKey);
  }

  get currentState(): ReceiverState {
    return this.state;
  }

  protected shapes(s: ReceiverState): readonly Shape[] {
    return SHAPES[s];
  }

  protected malformedReply(s: ReceiverState): string | undefined {
    if (s === 'hello' || s === 'key') return NACK_FORMAT;
    if (s === 'response') return NACK_RESPONSE;
    return undefined;
  }

  protected handle(msg: Uint8Array, shape: number): void {
    switch (this.state) {
      case 'hello':
        return this.onHello(msg);
      case 'key':
        return this.onKey(msg);
      case 'response':
        return this.onResponse(msg);
      case 'auth-reply':
        return this.onAuthReply(shape);
      case 'text':
      case 'after-text':
        return this.onJson(msg);
      case 'done':
      case 'failed':
        return;
    }
  }

  /** Step 1: the original accepts anything whose part after the first ':' is `None`. */
  private onHello(msg: Uint8Array): void {
    let s: string;
    try {
      s = fromUtf8(msg);
    } catch (e) {
      throw new Refusal(remoteError('DECODE_ERROR', 'hello is not UTF-8', e), NACK_FORMAT);
    }
    const colon = s.indexOf(':');
    if (colon < 0 || s.slice(colon + 1) !== 'None') throw new Refusal(remoteError('DECODE_ERROR', 'bad hello (expected "hello:None")'), NACK_FORMAT);
    this.state = 'key';
    this.send(this.publicPem);
    this.emit({ type: 'step', text: 'hello received; our DH public key sent' });
  }

  /** Steps 3–5: the sender's key must be in our group; then the challenge. */
  private onKey(msg: Uint8Array): void {
    const peer = decodeDhPem(asAscii(msg, 'DH public key'));
    const ours = this.dh.publicKey;
    if (!bytesEq(peer.p, ours.p) || !bytesEq(peer.g, ours.g)) throw remoteError('DECODE_ERROR', "sender's DH key is not in our group");
    const shared = this.dh.secret(peer.y);
    const dhsk = deriveDhsk(shared);
    wipe(shared);
    this.keys = { ...deriveChap(dhsk, this.password), dhsk };
    this.state = 'response';
    this.send(CHALLENGE_PREFIX + this.challenge);
    this.emit({ type: 'step', text: "sender's DH key received; challenge sent" });
  }

  /** Steps 6–8: check the response (constant time), then ack and our Auth. */
  private onResponse(msg: Uint8Array): void {
    const keys = this.mustKeys();
    const expected = utf8(RESPONSE_PREFIX + challengeResponse(this.challenge, this.password));
    if (!ctEqual(msg, expected)) {
      const form = /^response:[0-9a-f]{64}$/.test(Buffer.from(msg).toString('latin1'));
      throw new Refusal(
        form ? remoteError('AUTH_FAILED', 'wrong challenge response (wrong password?)') : remoteError('DECODE_ERROR', 'malformed challenge response'),
        NACK_RESPONSE,
      );
    }
    this.state = 'auth-reply';
    this.send(ACK_AUTH);
    this.send(AUTH_PREFIX + authValue(this.challenge, keys.chap));
    this.emit({ type: 'step', text: 'sender authenticated (password); our Auth sent' });
  }

  /** Step 9: the sender's verdict on our Auth. */
  private onAuthReply(shape: number): void {
    if (shape === 1) throw remoteError('AUTH_FAILED', 'the sender refused our Auth (nack:Invalid response)');
    if (shape !== 0) throw remoteError('DECODE_ERROR', 'expected the ack of our Auth');
    this.state = 'text';
    this.emit({ type: 'step', text: 'the sender accepted our Auth' });
  }

  /** Steps 10–11: the text message (then only a close), each JSON. */
  private onJson(msg: Uint8Array): void {
    const m = readJsonMessage(asUtf8(msg), this.mustKeys());
    if (m.kind === 'close') {
      this.state = 'done';
      this.finish();
      this.wipeKeys();
      this.emit({ type: 'closed', text: 'the sender closed the session' });
      return;
    }
    if (m.kind !== 'text' || this.state !== 'text') throw remoteError('UNEXPECTED_MESSAGE', `unexpected ${m.kind} message`);
    this.state = 'after-text';
    this.emit({ type: 'message', text: m.text, timestamp: m.timestamp });
    this.send(ACK_JSON);
  }

  protected peerEnded(s: ReceiverState): void {
    if (s === 'after-text') {
      this.state = 'done';
      this.emit({ type: 'closed', text: 'the sender closed the connection' });
      this.wipeKeys();
      return;
    }
    throw remoteError('CONNECTION_LOST', `the sender closed the connection during ${s}`);
  }

  protected onFailure(): void {
    this.state = 'failed';
    this.wipeKeys();
  }
}

/** A receiver with fresh randomness: a DH private exponent and a 256-bit challenge. */
export function newLegacyReceiver(opts: { password: Uint8Array; random: RandomSource; group?: DhGroup }): LegacyReceiver {
  const group = opts.group ?? oakleyGroup2();
  return new LegacyReceiver({ password: opts.password, group, privateKey: dhPrivateKey(group, opts.random), challenge: newChallenge(opts.random) });
}
