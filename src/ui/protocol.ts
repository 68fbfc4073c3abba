/**
 * What the page and the local server say to each other: the JSON API's bodies and the
 * WebSocket's events. Types only (type imports only), shared by the Node side (src/ui/*.ts) and the
 * page (src/ui/web/*.ts). Nothing here is a secret except `ConnectRequest.password`, which
 * the server turns into bytes and wipes at once.
 */
import type { GroupPageEvent } from './groups-protocol.js';

/** How we know a contact's identity key. `changed`: a different key was offered and refused. */
export type ContactKeyState = 'unknown' | 'pinned' | 'verified' | 'changed';

export interface ContactView {
  readonly name: string;
  /** From the users file, when listed there. */
  readonly address?: string;
  readonly keyState: ContactKeyState;
  /** Formatted fingerprint of the pinned key, when there is one. */
  readonly fingerprint?: string;
  /** A contact: reconnects by keys, no password (issue 12); since when, and how it began. */
  readonly contact?: { readonly since: number; readonly via: 'password' | 'invitation' };
}

/** A new invitation (POST /api/invite): the one string to pass on (also the QR code's text). */
export interface InvitationView {
  readonly invitation: string;
  readonly account: string;
  readonly code: string;
  readonly address: string;
  /** ms since the epoch. */
  readonly expiresAt: number;
}

export interface MessageView {
  /** 'out': we sent it; 'in': the peer did. */
  readonly direction: 'in' | 'out';
  /** The conversation's message id (per direction). */
  readonly id: number;
  readonly text: string;
  /** ms since the epoch: when we sent it, or when it arrived. */
  readonly at: number;
  /** For 'out': the peer's delivery receipt arrived. */
  readonly delivered: boolean;
  /** An earlier message, read from the log when the conversation opened (shown as history). */
  readonly history?: boolean;
}

export interface ConversationView {
  readonly id: string;
  readonly peer: string;
  /** The peer's key state when the conversation started: new (pinned now), pinned or verified. */
  readonly peerState: 'new' | 'pinned' | 'verified';
  readonly fingerprint: string;
  readonly address: string;
  readonly suite: string;
  /** 'out': we connected; 'in': they connected to our listener. */
  readonly origin: 'in' | 'out';
  readonly open: boolean;
  /** How it ended, one sentence, once it did. */
  readonly ended?: string;
  /** The stable error code, when it ended badly (absent when a side left or closed it). */
  readonly endCode?: string;
  readonly messages: readonly MessageView[];
}

export interface ListenerView {
  readonly on: boolean;
  readonly host: string;
  /** The port listened on (when on), else the suggested one (users file), else 0. */
  readonly port: number;
}

export interface StateView {
  /**
   * Grows with every state the server computes: the page keeps the newest. A state fetched over
   * HTTP and one pushed on the WebSocket travel on two channels and can arrive out of order.
   */
  readonly seq: number;
  readonly self: { readonly name: string; readonly fingerprint: string };
  readonly contacts: readonly ContactView[];
  readonly conversations: readonly ConversationView[];
  readonly listener: ListenerView;
  /** Where the users file is, if there is one. */
  readonly usersFile?: string;
}

export interface SafetyNumberView {
  readonly peer: string;
  readonly fingerprint: string;
  /** 60 digits in 12 groups of 5. */
  readonly groups: readonly string[];
  /** The text to encode in the QR code. */
  readonly qr: string;
}

export interface VerifyView {
  readonly self: string;
  readonly peer: string;
  readonly verified: boolean;
  readonly current: SafetyNumberView;
  /** A different key was offered and refused: its safety number, to check before trusting it. */
  readonly pending?: SafetyNumberView & { readonly previousFingerprint: string };
}

export interface LogView {
  /** The verification result: ok, or the first problem. */
  readonly ok: boolean;
  readonly summary: readonly string[];
  /** One line per entry, oldest first (text from peers has control characters escaped). */
  readonly entries: readonly string[];
}

/** Every failure the API reports: the error's stable code and one plain sentence. */
export interface ApiError {
  readonly error: { readonly code: string; readonly message: string };
}

export interface ConnectRequest {
  /** A contact's name (from the users file), or NAME@HOST:PORT. */
  readonly to: string;
  readonly password: string;
}

export interface SendRequest {
  readonly conversation: string;
  readonly text: string;
}

export interface ListenRequest {
  readonly on: boolean;
  readonly port?: number;
}

/** Events on the WebSocket (server → page). */
export type ServerEvent =
  | { readonly type: 'state'; readonly state: StateView }
  | { readonly type: 'message'; readonly conversation: string; readonly message: MessageView }
  | { readonly type: 'receipt'; readonly conversation: string; readonly id: number }
  | { readonly type: 'key-changed'; readonly peer: string; readonly oldFingerprint: string; readonly newFingerprint: string; readonly message: string }
  | { readonly type: 'notice'; readonly level: 'info' | 'error'; readonly message: string }
  | { readonly type: 'group'; readonly event: GroupPageEvent };
