/**
 * The local user's conversation log (src/log), as the commands use it: one writer per
 * process, opened once, every message sent and received appended, plus each conversation's
 * start and end, refused key changes and failed logins. A received message's receipt is sent
 * only after `received()` resolved (the append is durable).
 */
import { wipe } from '../crypto/bytes.js';
import { isSecureChatError, localError } from '../errors.js';
import { keyFingerprint } from '../identity/index.js';
import { EventKind, Verification } from '../log/event.js';
import { LogWriter, logPaths } from '../log/file.js';
import { loadOrCreateLogSecret } from '../log/secret.js';
import type { PeerKeyState } from '../chat/types.js';

const VERIFICATION: Readonly<Record<PeerKeyState, Verification>> = {
  new: Verification.FIRST_USE,
  pinned: Verification.PINNED,
  verified: Verification.VERIFIED,
};

export class ConversationLog {
  private constructor(private readonly writer: LogWriter, private readonly user: string) {}

  /** Opens (creating if needed) the log of the user whose directory is `userDir`. */
  static async open(userDir: string, user: string): Promise<ConversationLog> {
    const secret = await loadOrCreateLogSecret(userDir);
    try {
      const writer = await LogWriter.open({ paths: logPaths(userDir), secret });
      return new ConversationLog(writer, user);
    } catch (e) {
      if (isSecureChatError(e) && e.code === 'STORAGE_ERROR' && /in use by process/.test(e.detail)) {
        const pid = /process (\d+)/.exec(e.detail)?.[1] ?? '?';
        throw localError('STORAGE_ERROR', `${user}'s conversation log is in use by another securechat process (pid ${pid}), for example a listener running as ${user}; stop it, or talk from that process`, e);
      }
      if (isSecureChatError(e) && e.code === 'LOG_INVALID') {
        throw localError('LOG_INVALID', `${user}'s conversation log failed verification (${e.detail}); see \`securechat log verify --as ${user}\`, and \`securechat log repair --as ${user}\` for a torn last entry`, e);
      }
      throw e;
    } finally {
      wipe(secret);
    }
  }

  start(peer: string, identityKey: Uint8Array, state: PeerKeyState, address: string): Promise<number> {
    return this.writer.append({ kind: EventKind.CONVERSATION_START, at: Date.now(), peer, fingerprint: keyFingerprint(identityKey), verification: VERIFICATION[state], address });
  }

  /** `id`: the conversation's id, or a TEXT_ID's message id (32 hex digits; the same on each attempt of an outbox message). */
  sent(peer: string, id: number | string, text: string): Promise<number> {
    return this.writer.append({ kind: EventKind.MESSAGE_SENT, at: Date.now(), peer, text, id: String(id) });
  }

  /** `id`: the conversation's id, or a TEXT_ID's message id (32 hex digits, what the receiver deduplicates on). */
  received(peer: string, id: number | string, text: string): Promise<number> {
    return this.writer.append({ kind: EventKind.MESSAGE_RECEIVED, at: Date.now(), peer, text, id: String(id) });
  }

  /** A message we sent to a group (docs/LOG-FORMAT.md: `peer` is the group's name, `group` names it too). */
  groupSent(group: string, text: string): Promise<number> {
    return this.writer.append({ kind: EventKind.MESSAGE_SENT, at: Date.now(), peer: group, text, group });
  }

  /** A group message from member `from`. */
  groupReceived(group: string, from: string, text: string): Promise<number> {
    return this.writer.append({ kind: EventKind.MESSAGE_RECEIVED, at: Date.now(), peer: from, text, group });
  }

  end(peer: string, reason: string): Promise<number> {
    return this.writer.append({ kind: EventKind.CONVERSATION_END, at: Date.now(), peer, reason: reason.slice(0, 1000) });
  }

  keyChange(peer: string, oldFingerprint: string, newFingerprint: string, accepted: boolean): Promise<number> {
    return this.writer.append({ kind: EventKind.KEY_CHANGE, at: Date.now(), peer, oldFingerprint, newFingerprint, accepted });
  }

  authFailed(reason: string, address?: string): Promise<number> {
    return this.writer.append({ kind: EventKind.AUTH_FAILED, at: Date.now(), reason: reason.slice(0, 1000), ...(address === undefined ? {} : { address: address.slice(0, 256) }) });
  }

  /** Group commits the log made so far (each one fdatasync of the log file). */
  get commits(): number {
    return this.writer.commitCount;
  }

  get name(): string {
    return this.user;
  }

  close(): Promise<void> {
    return this.writer.close();
  }
}
