/**
 * ALERT frames (docs/PROTOCOL.md §4.6): which alert an error sends, and what a received
 * alert means. An alert is unauthenticated: it is reported as `PEER_ALERT` and proves nothing.
 */
import { SecureChatError, type ErrorCode } from '../errors.js';
import { encodeFrame, FrameType } from '../wire/frame.js';

export const AlertCode = {
  handshake_failed: 0x01,
  protocol_error: 0x02,
  unsupported: 0x03,
  busy: 0x04,
  identity_rejected: 0x05,
  timeout: 0x06,
  not_a_contact: 0x07,
  stale_secret: 0x08,
} as const;
export type AlertName = keyof typeof AlertCode;
export type AlertCode = (typeof AlertCode)[AlertName];

const ALERT_FOR: Partial<Record<ErrorCode, AlertName>> = {
  AUTH_FAILED: 'handshake_failed',
  IDENTITY_MISMATCH: 'handshake_failed',
  DECODE_ERROR: 'protocol_error',
  UNEXPECTED_MESSAGE: 'protocol_error',
  FRAME_MALFORMED: 'protocol_error',
  FRAME_TOO_LARGE: 'protocol_error',
  FRAME_CORRUPT: 'protocol_error',
  FRAME_TRUNCATED: 'protocol_error',
  UNSUPPORTED_VERSION: 'unsupported',
  NO_COMMON_SUITE: 'unsupported',
  KSF_PARAMS_REFUSED: 'unsupported',
  RATE_LIMITED: 'busy',
  TOO_MANY_CONNECTIONS: 'busy',
  PEER_KEY_CHANGED: 'identity_rejected',
  HANDSHAKE_TIMEOUT: 'timeout',
  NOT_A_CONTACT: 'not_a_contact',
  RECONNECT_STALE: 'stale_secret',
  RECONNECT_REPLAY: 'handshake_failed',
  INVITATION_INVALID: 'handshake_failed',
};

/** The alert an error maps to, or null (a received alert is never answered; local faults send none). */
export function alertNameFor(err: SecureChatError): AlertName | null {
  if (err.code === 'PEER_ALERT') return null;
  return ALERT_FOR[err.code] ?? null;
}

/**
 * The complete ALERT frame (§4.6) to send before closing for `err`, or null. The bytes
 * depend only on the error code, never on its detail: every authentication failure
 * (wrong password, bad KE3, bad signature, bad confirmation) gives the same frame.
 */
export function alertFor(err: SecureChatError): Uint8Array | null {
  const name = alertNameFor(err);
  return name === null ? null : encodeFrame(FrameType.ALERT, Uint8Array.of(AlertCode[name])).raw;
}

/** A received ALERT: code `PEER_ALERT`, side `remote`, with the alert's meaning. */
export class PeerAlertError extends SecureChatError {
  readonly alert: AlertName;
  constructor(alert: AlertName) {
    super('PEER_ALERT', 'remote', `the peer sent alert ${alert}`);
    this.alert = alert;
  }
}

/**
 * Interprets an ALERT payload. A payload that is not exactly one byte, or an unknown code,
 * is reported as protocol_error (§4.6): an alert is never answered.
 */
export function decodeAlert(payload: Uint8Array): PeerAlertError {
  const code = payload.length === 1 ? payload[0] : undefined;
  for (const [name, c] of Object.entries(AlertCode)) {
    if (c === code) return new PeerAlertError(name as AlertName);
  }
  return new PeerAlertError('protocol_error');
}
