/**
 * The `securechat` command's exit codes: stable, documented in README.md ("Exit codes"), and
 * the only place they are defined. Scripts may match on them.
 */
import type { ErrorCode } from '../errors.js';

export const ExitCode = {
  /** Success (for `send`: the peer's delivery receipt arrived). */
  OK: 0,
  /** An unexpected failure (a bug, or a file in the home that cannot be read or written). */
  FAILURE: 1,
  /** Usage or configuration error: bad option, unknown user, malformed users file, not initialised. */
  USAGE: 2,
  /** Authentication failed: wrong password, or the listener is not who we asked for. */
  AUTH: 3,
  /** Network error: nobody listening, connection lost, timeout, port in use, listener busy. */
  NETWORK: 4,
  /** The peer's identity key differs from the pinned one (until `securechat trust NAME`). */
  KEY_CHANGED: 5,
  /** Protocol violation: tampering, truncation, malformed or unexpected data. */
  PROTOCOL: 6,
  /** The conversation log failed verification. */
  LOG_INVALID: 7,
  /** The listener refused a reconnect by keys: we are not (or no longer) its contact. */
  NOT_A_CONTACT: 8,
  /** `send`: the contact cannot be reached now; the message is queued in the outbox (the agent delivers it later). */
  QUEUED: 9,
  /** Interrupted (Ctrl-C, SIGINT/SIGTERM, or end of input at a prompt). */
  INTERRUPTED: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Exit code of an error code. `established` says whether the conversation had been
 * established: an `AUTH_FAILED` afterwards means an altered record (protocol violation),
 * before it a wrong password.
 */
export function exitCodeFor(code: ErrorCode, established = false): ExitCode {
  switch (code) {
    case 'AUTH_FAILED':
      return established ? ExitCode.PROTOCOL : ExitCode.AUTH;
    case 'PEER_KEY_CHANGED':
    case 'GROUP_MEMBER_KEY_CHANGED':
      return ExitCode.KEY_CHANGED;
    case 'GROUP_AUTH_FAILED':
    case 'GROUP_REPLAY':
    case 'GROUP_WRONG_EPOCH':
    case 'GROUP_WRONG_GROUP':
    case 'GROUP_CREDENTIAL_INVALID':
    case 'GROUP_COMMIT_REFUSED':
    case 'RELAY_REPLAY':
    case 'RELAY_REORDERED':
      return ExitCode.PROTOCOL;
    case 'GROUP_NOT_MEMBER':
    case 'GROUP_PENDING_COMMIT':
    case 'GROUP_TOO_LARGE':
    case 'GROUP_UNKNOWN':
    case 'RELAY_QUOTA':
    case 'RELAY_CONFLICT':
      return ExitCode.USAGE;
    case 'RELAY_UNAVAILABLE':
      return ExitCode.NETWORK;
    case 'FILE_MANIFEST_INVALID':
    case 'FILE_PATH_UNSAFE':
    case 'FILE_CHUNK_AUTH':
    case 'FILE_CHUNK_ORDER':
    case 'FILE_TRUNCATED':
    case 'FILE_HASH_MISMATCH':
      return ExitCode.PROTOCOL;
    case 'FILE_CHANGED':
      return ExitCode.FAILURE;
    case 'FILE_DECLINED':
      return ExitCode.USAGE;
    case 'FRAME_TOO_LARGE':
    case 'FRAME_TRUNCATED':
    case 'FRAME_CORRUPT':
    case 'FRAME_MALFORMED':
    case 'UNSUPPORTED_VERSION':
    case 'NO_COMMON_SUITE':
    case 'UNEXPECTED_MESSAGE':
    case 'DECODE_ERROR':
    case 'IDENTITY_MISMATCH':
    case 'KSF_PARAMS_REFUSED':
    case 'RECORD_REPLAY':
    case 'RECORD_GAP':
    case 'TRUNCATED':
    case 'LIMIT_REACHED':
      return ExitCode.PROTOCOL;
    case 'PEER_ALERT':
      return ExitCode.PROTOCOL; // refined by the alert's meaning in errors-text.ts
    case 'SESSION_CLOSED':
    case 'HANDSHAKE_TIMEOUT':
    case 'IDLE_TIMEOUT':
    case 'RATE_LIMITED':
    case 'TOO_MANY_CONNECTIONS':
    case 'CONNECTION_REFUSED':
    case 'CONNECTION_LOST':
    case 'ADDRESS_IN_USE':
    case 'NETWORK_ERROR':
      return ExitCode.NETWORK;
    case 'USAGE':
    case 'CONFIG':
    case 'USERS_FILE_INVALID':
    case 'UNKNOWN_USER':
    case 'NOT_INITIALISED':
      return ExitCode.USAGE;
    case 'LOG_INVALID':
      return ExitCode.LOG_INVALID;
    case 'NOT_A_CONTACT':
      return ExitCode.NOT_A_CONTACT;
    case 'RECONNECT_REPLAY':
    case 'INVITATION_INVALID':
      return ExitCode.AUTH;
    case 'RECONNECT_STALE':
      return ExitCode.PROTOCOL;
    case 'CANCELLED':
      return ExitCode.INTERRUPTED;
    case 'STORAGE_ERROR':
    case 'INTERNAL':
      return ExitCode.FAILURE;
  }
}
