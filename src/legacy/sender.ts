/**
 * The v0 sender (the original's connecting side), sans I/O. The text, its timestamp and the
 * random source (for the DH private exponent) are parameters.
 *
 *   start ─▶ key ─▶ challenge ─▶ auth-result ─▶ auth ─▶ ack ─▶ done
 *
 * After the receiver's ack of the text we send a close message (docs/LEGACY.md).
 */
import { localError, remoteError } from '../errors.js';
import { ctEqual, utf8, wipe } from '../crypto/bytes.js';
import type { RandomSource } from '../crypto/random.js';
import { ACK_AUTH, AUTH_PREFIX, CHALLENGE_PREFIX, HELLO, NACK_FORMAT, NACK_RESPONSE, RESPONSE_PREFIX } from './ascii.js';
import { authValue, challengeResponse, deriveChap } from './chap.js';
import { decodeDhPem, encodeDhPem } from './dh-pem.js';
import { checkGroup, deriveDhsk, dhKeyPair, dhPrivateKey } from './dh.js';
import { decimalTagged, hexTagged, jsonObject, literal, pem, whole, type Shape } from './framing.js';
import { LEGACY_MAX_CHALLENGE_DIGITS, LEGACY_MAX_MESSAGE_BYTES } from './limits.js';
import { KeyedMachine, Refusal } from './machine.js';
import { CLOSE_JSON, buildTextMessage, readJsonMessage, textMessageLength } from './message.js';
import { asAscii, asUtf8 } from './_text.js';
import type { LegacyStep } from './events.js';

type SenderState = 'start' | 'key' | 'challenge' | 'auth-result' | 'auth' | 'ack' | 'done' | 'failed';

const SHAPES: Readonly<Record<SenderState, readonly Shape[]>> = {
  start: [],
  key: [whole(pem), whole(literal(NACK_FORMAT))],
  challenge: [decimalTagged(CHALLENGE_PREFIX, LEGACY_MAX_CHALLENGE_DIGITS)],
  'auth-result': [literal(ACK_AUTH), literal(NACK_RESPONSE), literal(NACK_FORMAT)],
  auth: [whole(hexTagged(AUTH_PREFIX, 64))],
  ack: [jsonObject],
  done: [],
  failed: [],
};

export interface LegacySenderParams {
  /** The receiver's password, UTF-8. */
  readonly password: Uint8Array;
  /** The text to send. */
  readonly text: string;
  /** Seconds since the epoch, sent as a Python float. */
  readonly timestamp: number;
  /** Source of our DH private exponent. */
  readonly random: RandomSource;
}

/** Refuses a text the original could not receive. Throws `USAGE` (local). */
export function checkLegacyText(text: string, timestamp: number): void {
  if (/[\uD800-\uDFFF]/u.test(text)) throw localError('USAGE', 'the text contains an unpaired surrogate (not encodable as UTF-8)');
  if (!Number.isFinite(timestamp) || timestamp < 0) throw localError('USAGE', 'the timestamp must be a finite, non-negative number');
  const len = textMessageLength(text, timestamp);
  if (len > LEGACY_MAX_MESSAGE_BYTES) {
    throw localError('USAGE', `the text is too long for v0: its message would be ${len} bytes, the original reads at most ${LEGACY_MAX_MESSAGE_BYTES}`);
  }
}

export class LegacySender extends KeyedMachine<SenderState> {
  protected state: SenderState = 'start';
  private readonly p: LegacySenderParams;
  private challenge = '';

  constructor(params: LegacySenderParams) {
    super(params.password);
    checkLegacyText(params.text, params.timestamp);
    this.p = params;
  }

  get currentState(): SenderState {
    return this.state;
  }

  /** Step 1: the hello. */
  start(): LegacyStep {
    if (this.state !== 'start') throw localError('USAGE', 'start() called twice');
    this.state = 'key';
    return { out: [utf8(HELLO)], events: [{ type: 'step', text: 'hello sent' }], done: false };
  }

  protected shapes(s: SenderState): readonly Shape[] {
    return SHAPES[s];
  }

  protected malformedReply(): string | undefined {
    return undefined;
  }

  protected handle(msg: Uint8Array, shape: number): void {
    switch (this.state) {
      case 'key':
        return this.onKey(msg, shape);
      case 'challenge':
        return this.onChallenge(msg, shape);
      case 'auth-result':
        return this.onAuthResult(shape);
      case 'auth':
        return this.onAuth(msg);
      case 'ack':
        return this.onAck(msg);
      default:
        throw remoteError('UNEXPECTED_MESSAGE', `data received while ${this.state}`);
    }
  }

  /** Steps 2–4: the receiver's key gives the group; we answer with ours in it. */
  private onKey(msg: Uint8Array, shape: number): void {
    if (shape === 1) throw remoteError('PEER_ALERT', 'the receiver answered nack:Invalid message format to our hello');
    const peer = decodeDhPem(asAscii(msg, 'DH public key'));
    const group = { p: peer.p, g: peer.g };
    checkGroup(group);
    const x = dhPrivateKey(group, this.p.random);
    const pair = dhKeyPair(group, x);
    wipe(x);
    const shared = pair.secret(peer.y);
    const dhsk = deriveDhsk(shared);
    wipe(shared);
    this.keys = { ...deriveChap(dhsk, this.password), dhsk };
    this.state = 'challenge';
    this.send(encodeDhPem(pair.publicKey));
    this.emit({ type: 'step', text: "receiver's DH key received; our key sent" });
  }

  /** Steps 5–6. */
  private onChallenge(msg: Uint8Array, shape: number): void {
    if (shape !== 0) throw remoteError('DECODE_ERROR', 'expected "challenge:" and a decimal number');
    this.challenge = asAscii(msg, 'challenge').slice(CHALLENGE_PREFIX.length);
    this.state = 'auth-result';
    this.send(RESPONSE_PREFIX + challengeResponse(this.challenge, this.password));
    this.emit({ type: 'step', text: 'challenge answered' });
  }

  /** Step 7. */
  private onAuthResult(shape: number): void {
    if (shape === 1) throw remoteError('AUTH_FAILED', 'the receiver refused our response (nack:Invalid response): wrong password?');
    if (shape === 2) throw remoteError('PEER_ALERT', 'the receiver answered nack:Invalid message format');
    if (shape !== 0) throw remoteError('DECODE_ERROR', 'expected the ack of our response');
    this.state = 'auth';
    this.emit({ type: 'step', text: 'the receiver accepted our response' });
  }

  /** Steps 8–10: check the receiver's Auth (constant time), then ack and the text. */
  private onAuth(msg: Uint8Array): void {
    const keys = this.mustKeys();
    const expected = utf8(AUTH_PREFIX + authValue(this.challenge, keys.chap));
    if (!ctEqual(msg, expected)) throw new Refusal(remoteError('AUTH_FAILED', "the receiver's Auth does not match (wrong password, or a man in the middle)"), NACK_RESPONSE);
    const m = buildTextMessage(keys.dhsk, keys.iv, keys.hmacKey, this.p.text, this.p.timestamp);
    this.state = 'ack';
    this.send(ACK_AUTH);
    this.send(m.json);
    this.emit({ type: 'step', text: 'receiver authenticated; text sent' });
  }

  /** Step 11: the receiver's ack; then our close. */
  private onAck(msg: Uint8Array): void {
    const m = readJsonMessage(asUtf8(msg), this.mustKeys());
    if (m.kind !== 'ack') throw remoteError('UNEXPECTED_MESSAGE', `expected the ack, got a ${m.kind} message`);
    this.state = 'done';
    this.finish();
    this.wipeKeys();
    this.send(CLOSE_JSON);
    this.emit({ type: 'closed', text: 'the receiver acknowledged the message' });
  }

  protected peerEnded(s: SenderState): void {
    throw remoteError('CONNECTION_LOST', `the receiver closed the connection during ${s}`);
  }

  protected onFailure(): void {
    this.state = 'failed';
    this.wipeKeys();
  }
}
