/**
 * What a person reads when something fails: one plain sentence saying what happened and what
 * to do, and the exit code. The sentences are built from the error's stable `code` and what
 * the command knew at the time (peer, address); the lower layers' `detail` is shown only for
 * errors whose detail is written for people (files, names, options, key changes).
 */
import { SecureChatError, isSecureChatError, type ErrorCode } from '../errors.js';
import { exitCodeFor, ExitCode } from './exit-codes.js';

/** What the running command knew when it failed; commands fill it in as they go. */
export interface FailContext {
  /** The peer we talk to (a username), when known. */
  peer?: string;
  /** `host:port` we connect to or listen on. */
  address?: string;
  /** The local port we listen on. */
  port?: number;
  /** The local user. */
  user?: string;
  /** The conversation had been established (changes what AUTH_FAILED means). */
  established: boolean;
}

export interface Explained {
  readonly code: string;
  readonly exit: ExitCode;
  readonly sentence: string;
}

/** The meaning of a peer's ALERT (docs/PROTOCOL.md §4.6), read from the error's detail. */
export function alertKind(e: SecureChatError): 'handshake_failed' | 'protocol_error' | 'unsupported' | 'busy' | 'identity_rejected' | 'timeout' | 'not_a_contact' | 'stale_secret' | 'unknown' {
  const field: unknown = (e as { alert?: unknown }).alert;
  const d = typeof field === 'string' ? field : e.detail.toLowerCase().replace(/[\s-]+/g, '_');
  for (const k of ['handshake_failed', 'protocol_error', 'unsupported', 'busy', 'identity_rejected', 'timeout', 'not_a_contact', 'stale_secret'] as const) {
    if (d.includes(k)) return k;
  }
  return 'unknown';
}

function notAContact(who: string): string {
  return `${who} no longer accepts reconnects from you (you are not on their contacts list); to log in with their password again, first run \`securechat contacts remove ${who}\`, or accept a new invitation from them`;
}

function stale(who: string): string {
  return `the contact secret shared with ${who} is out of step (an interrupted reconnect); try again, and if it persists remove the contact and log in with the password`;
}

function capitalFree(s: string): string {
  return s.replace(/\.+$/, '');
}

/**
 * An error whose detail is already the one sentence a person reads (written where the whole
 * situation is known, e.g. the agent refusing a client): `explain` shows it as it is, with the
 * exit code of its stable code.
 */
export class SentenceError extends SecureChatError {
  constructor(code: ErrorCode, sentence: string, cause?: unknown) {
    super(code, 'local', sentence, cause === undefined ? undefined : { cause });
  }
}

export function explain(err: unknown, ctx: FailContext): Explained {
  if (err instanceof SentenceError) return { code: err.code, exit: exitCodeFor(err.code, ctx.established), sentence: capitalFree(err.detail) };
  if (!isSecureChatError(err)) {
    return { code: 'INTERNAL', exit: ExitCode.FAILURE, sentence: 'something unexpected went wrong (a bug in securechat); run again with SECURECHAT_DEBUG=1 to see the details and report them' };
  }
  const who = ctx.peer !== undefined ? ctx.peer : ctx.address !== undefined ? `the peer at ${ctx.address}` : 'the peer';
  const at = ctx.address !== undefined ? ` at ${ctx.address}` : '';
  let exit = exitCodeFor(err.code, ctx.established);
  let sentence: string;
  switch (err.code) {
    case 'AUTH_FAILED':
      sentence = ctx.established
        ? `a message from ${who} failed authentication (it was altered on the way); the conversation was closed, nothing altered was shown`
        : ctx.peer !== undefined
          ? `authentication failed: the password for ${ctx.peer} is wrong, or the listener${at} is not ${ctx.peer}; check the password and try again`
          : `authentication failed: wrong password, or the listener${at} is not who you meant; check the password and try again`;
      break;
    case 'PEER_KEY_CHANGED':
      sentence = capitalFree(err.detail);
      break;
    case 'PEER_ALERT': {
      const k = alertKind(err);
      switch (k) {
        case 'handshake_failed':
          exit = ExitCode.AUTH;
          sentence = `authentication failed: ${who} refused the login (wrong password?); check the password and try again`;
          break;
        case 'identity_rejected':
          exit = ExitCode.KEY_CHANGED;
          sentence = `${who} refused your identity key: they have a different key pinned for you; ask them to check it with \`securechat verify\` and accept it with \`securechat trust\``;
          break;
        case 'busy':
          exit = ExitCode.NETWORK;
          sentence = `${who} is busy or has refused too many attempts from you; wait a few minutes and try again`;
          break;
        case 'timeout':
          exit = ExitCode.NETWORK;
          sentence = `${who} gave up waiting for the handshake; check the network and try again`;
          break;
        case 'unsupported':
          exit = ExitCode.PROTOCOL;
          sentence = `${who} does not support our protocol version or ciphers; update securechat on both sides`;
          break;
        case 'not_a_contact':
          exit = ExitCode.NOT_A_CONTACT;
          sentence = notAContact(who);
          break;
        case 'stale_secret':
          exit = ExitCode.PROTOCOL;
          sentence = stale(who);
          break;
        default:
          exit = ExitCode.PROTOCOL;
          sentence = `${who} reported a protocol error and closed the connection; try again, and update securechat on both sides if it persists`;
      }
      break;
    }
    case 'CONNECTION_REFUSED':
      sentence = `nobody is listening${at}; start \`securechat listen\` there first, or check the address and port`;
      break;
    case 'CONNECTION_LOST':
    case 'SESSION_CLOSED':
      sentence = ctx.established
        ? `the connection to ${who} was lost; messages without a delivery receipt may not have arrived`
        : `the connection${at} was lost during the handshake; check the network and try again`;
      break;
    case 'TRUNCATED':
      sentence = `the conversation with ${who} was cut off without a proper goodbye (the peer stopped or the connection was cut); messages without a delivery receipt may not have arrived`;
      break;
    case 'HANDSHAKE_TIMEOUT':
      sentence = `the handshake${at} did not finish in time; check that the address is a securechat listener and that the network works, then try again`;
      break;
    case 'IDLE_TIMEOUT':
      sentence = `the conversation with ${who} was closed after a long silence; start it again when you need it`;
      break;
    case 'RATE_LIMITED':
    case 'TOO_MANY_CONNECTIONS':
      sentence = `${who} is busy or has refused too many attempts; wait a few minutes and try again`;
      break;
    case 'ADDRESS_IN_USE':
      sentence = `port ${ctx.port ?? '?'} is already in use on this machine; stop the program using it, or choose another port with --port`;
      break;
    case 'NETWORK_ERROR':
      sentence = `a network error occurred${at} (${capitalFree(err.detail)}); check the address and the network, then try again`;
      break;
    case 'FRAME_TOO_LARGE':
    case 'FRAME_TRUNCATED':
    case 'FRAME_CORRUPT':
    case 'FRAME_MALFORMED':
    case 'DECODE_ERROR':
    case 'UNEXPECTED_MESSAGE':
      sentence = `${who} sent data that does not follow the securechat protocol (${err.code.toLowerCase().replace(/_/g, ' ')}); the connection was closed. If it persists, the address may not be a securechat listener or the connection is being tampered with`;
      break;
    case 'UNSUPPORTED_VERSION':
    case 'NO_COMMON_SUITE':
      sentence = `${who} does not support our protocol version or ciphers; update securechat on both sides`;
      break;
    case 'KSF_PARAMS_REFUSED':
      sentence = `${who} asked for password-hashing settings outside the accepted range, or costlier than at your first login with it (a man in the middle can do that); the connection was refused. If ${who} really changed them, run again with --accept-ksf`;
      break;
    case 'IDENTITY_MISMATCH':
      sentence = `the listener${at} is not ${ctx.peer ?? 'the user you asked for'}; check the address or the username`;
      break;
    case 'RECORD_REPLAY':
    case 'RECORD_GAP':
      sentence = `messages from ${who} arrived replayed or with some missing (tampering on the way); the conversation was closed`;
      break;
    case 'LIMIT_REACHED':
      sentence = `the conversation with ${who} reached a safety limit (${capitalFree(err.detail)}); start a new conversation`;
      break;
    case 'NOT_A_CONTACT':
      sentence = notAContact(who);
      break;
    case 'RECONNECT_STALE':
      sentence = stale(who);
      break;
    case 'RECONNECT_REPLAY':
      sentence = `a reconnect to ${who} was refused as a replay of an earlier one; if you restored your home from a backup, remove the contact (\`securechat contacts remove ${ctx.peer ?? 'NAME'}\`) and log in with the password again`;
      break;
    case 'INVITATION_INVALID':
      sentence = 'the invitation code is wrong, was already used, or has expired; ask for a new one with `securechat invite`';
      break;
    case 'CANCELLED':
      sentence = 'interrupted; nothing more was sent';
      break;
    case 'INTERNAL':
      sentence = 'something unexpected went wrong (a bug in securechat); run again with SECURECHAT_DEBUG=1 to see the details and report them';
      break;
    case 'UNKNOWN_USER':
      sentence = /^unknown user/.test(err.detail)
        ? `${capitalFree(err.detail)}; check the spelling, or add them with \`securechat users add NAME --ip ADDRESS --port N\``
        : capitalFree(err.detail);
      break;
    case 'USAGE':
    case 'CONFIG':
    case 'USERS_FILE_INVALID':
    case 'NOT_INITIALISED':
    case 'STORAGE_ERROR':
    case 'LOG_INVALID':
    case 'GROUP_AUTH_FAILED': // group/ (issue 14): the group commands will refine these
    case 'GROUP_REPLAY':
    case 'GROUP_WRONG_EPOCH':
    case 'GROUP_WRONG_GROUP':
    case 'GROUP_CREDENTIAL_INVALID':
    case 'GROUP_MEMBER_KEY_CHANGED':
    case 'GROUP_COMMIT_REFUSED':
    case 'GROUP_NOT_MEMBER':
    case 'GROUP_PENDING_COMMIT':
    case 'GROUP_TOO_LARGE':
    case 'GROUP_UNKNOWN':
    case 'RELAY_QUOTA': // relay/ (issue 14)
    case 'RELAY_CONFLICT':
    case 'RELAY_UNAVAILABLE':
    case 'RELAY_REPLAY':
    case 'RELAY_REORDERED':
    case 'FILE_MANIFEST_INVALID': // files/ (issue 15, docs/FILES.md §6)
    case 'FILE_PATH_UNSAFE':
    case 'FILE_CHUNK_AUTH':
    case 'FILE_CHUNK_ORDER':
    case 'FILE_TRUNCATED':
    case 'FILE_HASH_MISMATCH':
    case 'FILE_CHANGED':
    case 'FILE_DECLINED':
      sentence = capitalFree(err.detail);
      break;
  }
  return { code: err.code, exit, sentence };
}
