/**
 * What the log records: a small typed event, encoded as JSON inside each entry's ciphertext.
 * Timestamps (`at`, milliseconds since the Unix epoch, UTC) are passed in by the caller.
 */
import { fromUtf8, utf8 } from '../crypto/bytes.js';
import { localError, remoteError } from '../errors.js';
import { MAX_USERNAME_BYTES } from '../limits.js';
import { MAX_ENTRY_PLAINTEXT } from './format.js';

export const EventKind = {
  MESSAGE_SENT: 'message-sent',
  MESSAGE_RECEIVED: 'message-received',
  CONVERSATION_START: 'conversation-start',
  CONVERSATION_END: 'conversation-end',
  KEY_CHANGE: 'key-change',
  AUTH_FAILED: 'auth-failed',
  LOG_REPAIRED: 'log-repaired',
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

/** How the peer's key was trusted when the conversation started. */
export const Verification = {
  /** First contact: the key was pinned now (trust on first use). */
  FIRST_USE: 'first-use',
  /** The key matched the pinned one, never compared out of band. */
  PINNED: 'pinned',
  /** The key matched a pinned key the user verified (safety number). */
  VERIFIED: 'verified',
} as const;
export type Verification = (typeof Verification)[keyof typeof Verification];

export const RepairAction = {
  TRUNCATED_TORN_TAIL: 'truncated-torn-tail',
  REBUILT_HEAD: 'rebuilt-head',
} as const;
export type RepairAction = (typeof RepairAction)[keyof typeof RepairAction];

export type MessageEvent = {
  readonly kind: typeof EventKind.MESSAGE_SENT | typeof EventKind.MESSAGE_RECEIVED;
  readonly at: number;
  readonly peer: string;
  readonly text: string;
  /** The conversation's message id, when the chat layer has one (receipts refer to it). */
  readonly id?: string;
  /** The group the message was sent to or came from (docs/LOG-FORMAT.md, since issue 14); absent for 1:1. */
  readonly group?: string;
};
export type ConversationStartEvent = {
  readonly kind: typeof EventKind.CONVERSATION_START;
  readonly at: number;
  readonly peer: string;
  /** The peer identity key's fingerprint, as the identity module prints it. */
  readonly fingerprint: string;
  readonly verification: Verification;
  readonly address?: string;
};
export type ConversationEndEvent = {
  readonly kind: typeof EventKind.CONVERSATION_END;
  readonly at: number;
  readonly peer: string;
  readonly reason: string;
};
export type KeyChangeEvent = {
  readonly kind: typeof EventKind.KEY_CHANGE;
  readonly at: number;
  readonly peer: string;
  readonly oldFingerprint: string;
  readonly newFingerprint: string;
  /** Whether the user accepted the new key (a changed key is a hard stop until they do). */
  readonly accepted: boolean;
};
export type AuthFailedEvent = {
  readonly kind: typeof EventKind.AUTH_FAILED;
  readonly at: number;
  readonly reason: string;
  readonly peer?: string;
  readonly address?: string;
};
export type LogRepairedEvent = {
  readonly kind: typeof EventKind.LOG_REPAIRED;
  readonly at: number;
  readonly action: RepairAction;
  /** Index of the first entry the repair concerned (the torn one, or the head count). */
  readonly atIndex: number;
  readonly bytesRemoved: number;
};

export type LogEvent = MessageEvent | ConversationStartEvent | ConversationEndEvent | KeyChangeEvent | AuthFailedEvent | LogRepairedEvent;

/** Checks a value is a well-formed event; `fail` makes the error (local on write, remote on read). */
function check(v: unknown, fail: (detail: string) => Error): LogEvent {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw fail('event is not an object');
  const o = v as Record<string, unknown>;
  const allowed = (...keys: string[]): void => {
    for (const k of Object.keys(o)) if (!keys.includes(k)) throw fail(`unexpected field ${JSON.stringify(k).slice(0, 40)}`);
  };
  const str = (k: string, max = 4096): string => {
    const s = o[k];
    if (typeof s !== 'string' || s.length > max) throw fail(`field ${k} must be a string of at most ${max} characters`);
    return s;
  };
  const optStr = (k: string, max = 4096): void => {
    if (k in o) str(k, max);
  };
  const peer = (k = 'peer'): void => {
    const s = str(k, MAX_USERNAME_BYTES);
    if (s.length === 0 || utf8(s).length > MAX_USERNAME_BYTES) throw fail(`field ${k} is not a username`);
  };
  const at = o.at;
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0) throw fail('field at must be a non-negative integer (ms)');
  switch (o.kind) {
    case EventKind.MESSAGE_SENT:
    case EventKind.MESSAGE_RECEIVED:
      allowed('kind', 'at', 'peer', 'text', 'id', 'group');
      peer();
      str('text', MAX_ENTRY_PLAINTEXT);
      optStr('id', 128);
      optStr('group', MAX_USERNAME_BYTES);
      break;
    case EventKind.CONVERSATION_START: {
      allowed('kind', 'at', 'peer', 'fingerprint', 'verification', 'address');
      peer();
      str('fingerprint', 256);
      const ver = o.verification;
      if (ver !== Verification.FIRST_USE && ver !== Verification.PINNED && ver !== Verification.VERIFIED) throw fail('bad verification state');
      optStr('address', 256);
      break;
    }
    case EventKind.CONVERSATION_END:
      allowed('kind', 'at', 'peer', 'reason');
      peer();
      str('reason', 1024);
      break;
    case EventKind.KEY_CHANGE:
      allowed('kind', 'at', 'peer', 'oldFingerprint', 'newFingerprint', 'accepted');
      peer();
      str('oldFingerprint', 256);
      str('newFingerprint', 256);
      if (typeof o.accepted !== 'boolean') throw fail('field accepted must be a boolean');
      break;
    case EventKind.AUTH_FAILED:
      allowed('kind', 'at', 'reason', 'peer', 'address');
      str('reason', 1024);
      if ('peer' in o) peer();
      optStr('address', 256);
      break;
    case EventKind.LOG_REPAIRED: {
      allowed('kind', 'at', 'action', 'atIndex', 'bytesRemoved');
      if (o.action !== RepairAction.TRUNCATED_TORN_TAIL && o.action !== RepairAction.REBUILT_HEAD) throw fail('bad repair action');
      for (const k of ['atIndex', 'bytesRemoved']) {
        const n = o[k];
        if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw fail(`field ${k} must be a non-negative integer`);
      }
      break;
    }
    default:
      throw fail('unknown event kind');
  }
  return o as LogEvent;
}

/** Encodes an event as UTF-8 JSON; refuses a malformed or oversize event (USAGE, local). */
export function encodeEvent(e: LogEvent): Uint8Array {
  check(e, (d) => localError('USAGE', `log event refused: ${d}`));
  const b = utf8(JSON.stringify(e));
  if (b.length > MAX_ENTRY_PLAINTEXT) throw localError('LIMIT_REACHED', `log event larger than ${MAX_ENTRY_PLAINTEXT} bytes`);
  return b;
}

/** Decodes an entry's plaintext; any defect is LOG_INVALID (remote: the file is at fault). */
export function decodeEvent(b: Uint8Array): LogEvent {
  if (b.length > MAX_ENTRY_PLAINTEXT) throw remoteError('LOG_INVALID', 'log entry too large');
  let v: unknown;
  try {
    v = JSON.parse(fromUtf8(b));
  } catch (e) {
    throw remoteError('LOG_INVALID', 'log entry is not UTF-8 JSON', e);
  }
  return check(v, (d) => remoteError('LOG_INVALID', `log entry malformed: ${d}`));
}
