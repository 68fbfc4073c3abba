/**
 * The one error type of SecureChat. Every failure that can reach a caller is a
 * `SecureChatError` with a stable `code` (safe to show, log and match on) and a `side`:
 * `remote` when the peer (or a file / a person's input) is at fault, `local` when we are.
 *
 * Toward the peer, every authentication failure is reported the same way (`AUTH_FAILED`);
 * the detail (`detail`) stays local and never contains a secret or plaintext.
 */
export const ErrorCode = {
  // framing (wire/)
  FRAME_TOO_LARGE: 'FRAME_TOO_LARGE',
  FRAME_TRUNCATED: 'FRAME_TRUNCATED',
  FRAME_CORRUPT: 'FRAME_CORRUPT',
  FRAME_MALFORMED: 'FRAME_MALFORMED',
  // handshake (handshake/)
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
  NO_COMMON_SUITE: 'NO_COMMON_SUITE',
  UNEXPECTED_MESSAGE: 'UNEXPECTED_MESSAGE',
  DECODE_ERROR: 'DECODE_ERROR',
  AUTH_FAILED: 'AUTH_FAILED',
  IDENTITY_MISMATCH: 'IDENTITY_MISMATCH',
  PEER_KEY_CHANGED: 'PEER_KEY_CHANGED',
  KSF_PARAMS_REFUSED: 'KSF_PARAMS_REFUSED',
  PEER_ALERT: 'PEER_ALERT',
  // reconnect by keys (handshake/reconnect/, docs/PROTOCOL.md §10)
  NOT_A_CONTACT: 'NOT_A_CONTACT',
  RECONNECT_REPLAY: 'RECONNECT_REPLAY',
  RECONNECT_STALE: 'RECONNECT_STALE',
  // invitations (docs/PROTOCOL.md §11)
  INVITATION_INVALID: 'INVITATION_INVALID',
  // record layer (session/)
  RECORD_REPLAY: 'RECORD_REPLAY',
  RECORD_GAP: 'RECORD_GAP',
  TRUNCATED: 'TRUNCATED',
  LIMIT_REACHED: 'LIMIT_REACHED',
  SESSION_CLOSED: 'SESSION_CLOSED',
  // transport (transport/)
  HANDSHAKE_TIMEOUT: 'HANDSHAKE_TIMEOUT',
  IDLE_TIMEOUT: 'IDLE_TIMEOUT',
  RATE_LIMITED: 'RATE_LIMITED',
  TOO_MANY_CONNECTIONS: 'TOO_MANY_CONNECTIONS',
  CONNECTION_REFUSED: 'CONNECTION_REFUSED',
  CONNECTION_LOST: 'CONNECTION_LOST',
  ADDRESS_IN_USE: 'ADDRESS_IN_USE',
  NETWORK_ERROR: 'NETWORK_ERROR',
  // groups (group/, docs/GROUPS.md)
  GROUP_AUTH_FAILED: 'GROUP_AUTH_FAILED',
  GROUP_REPLAY: 'GROUP_REPLAY',
  GROUP_WRONG_EPOCH: 'GROUP_WRONG_EPOCH',
  GROUP_WRONG_GROUP: 'GROUP_WRONG_GROUP',
  GROUP_CREDENTIAL_INVALID: 'GROUP_CREDENTIAL_INVALID',
  GROUP_MEMBER_KEY_CHANGED: 'GROUP_MEMBER_KEY_CHANGED',
  GROUP_COMMIT_REFUSED: 'GROUP_COMMIT_REFUSED',
  GROUP_NOT_MEMBER: 'GROUP_NOT_MEMBER',
  GROUP_PENDING_COMMIT: 'GROUP_PENDING_COMMIT',
  GROUP_TOO_LARGE: 'GROUP_TOO_LARGE',
  GROUP_UNKNOWN: 'GROUP_UNKNOWN',
  // relay (relay/, docs/RELAY.md)
  RELAY_QUOTA: 'RELAY_QUOTA',
  RELAY_CONFLICT: 'RELAY_CONFLICT',
  RELAY_UNAVAILABLE: 'RELAY_UNAVAILABLE',
  RELAY_REPLAY: 'RELAY_REPLAY',
  RELAY_REORDERED: 'RELAY_REORDERED',
  // files (files/, docs/FILES.md)
  FILE_MANIFEST_INVALID: 'FILE_MANIFEST_INVALID',
  FILE_PATH_UNSAFE: 'FILE_PATH_UNSAFE',
  FILE_CHUNK_AUTH: 'FILE_CHUNK_AUTH',
  FILE_CHUNK_ORDER: 'FILE_CHUNK_ORDER',
  FILE_TRUNCATED: 'FILE_TRUNCATED',
  FILE_HASH_MISMATCH: 'FILE_HASH_MISMATCH',
  FILE_CHANGED: 'FILE_CHANGED',
  FILE_DECLINED: 'FILE_DECLINED',
  // local state, files, people
  USAGE: 'USAGE',
  CONFIG: 'CONFIG',
  USERS_FILE_INVALID: 'USERS_FILE_INVALID',
  UNKNOWN_USER: 'UNKNOWN_USER',
  NOT_INITIALISED: 'NOT_INITIALISED',
  STORAGE_ERROR: 'STORAGE_ERROR',
  LOG_INVALID: 'LOG_INVALID',
  CANCELLED: 'CANCELLED',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export type ErrorSide = 'local' | 'remote';

export class SecureChatError extends Error {
  override readonly name = 'SecureChatError';
  readonly code: ErrorCode;
  readonly side: ErrorSide;
  /** Local-only explanation. Never sent to the peer, never holds secrets. */
  readonly detail: string;

  constructor(code: ErrorCode, side: ErrorSide, detail: string, options?: { cause?: unknown }) {
    super(`${code}: ${detail}`, options);
    this.code = code;
    this.side = side;
    this.detail = detail;
  }
}

/** Shorthand for a failure caused by the peer or by untrusted input. */
export function remoteError(code: ErrorCode, detail: string, cause?: unknown): SecureChatError {
  return new SecureChatError(code, 'remote', detail, cause === undefined ? undefined : { cause });
}

/** Shorthand for a failure on our side (misuse, local limits, local files). */
export function localError(code: ErrorCode, detail: string, cause?: unknown): SecureChatError {
  return new SecureChatError(code, 'local', detail, cause === undefined ? undefined : { cause });
}

export function isSecureChatError(e: unknown): e is SecureChatError {
  return e instanceof SecureChatError;
}
