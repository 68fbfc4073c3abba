/**
 * The one plain sentence the page shows for a failure: the application core's sentences (src/app/errors-text.ts),
 * with the few that name a command-line option or command replaced by what to do in the page.
 * Which one applies is decided by the error's stable code (and a received alert's name), never
 * by the text of a sentence.
 */
import { isSecureChatError } from '../errors.js';
import { alertKind, explain, type FailContext } from '../app/errors-text.js';

export interface UiError {
  readonly code: string;
  readonly message: string;
}

export function uiError(e: unknown, ctx: FailContext): UiError {
  const x = explain(e, ctx);
  if (!isSecureChatError(e)) return { code: x.code, message: x.sentence };
  const who = ctx.peer ?? 'the peer';
  switch (e.code) {
    case 'PEER_KEY_CHANGED':
      return {
        code: e.code,
        message: `the identity key of ${who} changed: this can be a new device or a reinstall, or someone pretending to be ${who}; nothing was sent. Compare the new safety number with ${who} over a channel you trust before you trust the new key`,
      };
    case 'ADDRESS_IN_USE':
      return { code: e.code, message: `port ${ctx.port ?? '?'} is already in use on this machine; stop the program using it, or choose another port` };
    case 'PEER_ALERT':
      // By the alert's stable name (PROTOCOL §4.6), never by the words of a sentence.
      if (alertKind(e) === 'identity_rejected') {
        return { code: e.code, message: `${who} refused your identity key: they have a different key pinned for you; ask them to compare safety numbers with you and trust your new key` };
      }
      return { code: x.code, message: x.sentence };
    default:
      return { code: x.code, message: x.sentence };
  }
}

/** Whether `e` is a refused changed key (PEER_KEY_CHANGED). */
export function isKeyChange(e: unknown): boolean {
  return isSecureChatError(e) && e.code === 'PEER_KEY_CHANGED';
}

/** An error together with what we knew when it happened, for its sentence. */
export class ContextualError extends Error {
  constructor(readonly error: unknown, readonly ctx: FailContext) {
    super('contextual error');
  }
}

/** `e` with the context it happened in (kept when it has one already). */
export function withContext(e: unknown, ctx: FailContext): ContextualError {
  return e instanceof ContextualError ? e : new ContextualError(e, ctx);
}
