/**
 * Authenticated close (docs/PROTOCOL.md §6.5). A CLOSE carries the number of APP records its
 * sender sent; a receiver that counted a different number reports `TRUNCATED`, and so does a
 * transport that ends before any CLOSE arrived.
 */
import { remoteError, type SecureChatError } from '../errors.js';

export const CloseReason = {
  NORMAL: 0x00,
  ERROR: 0x01,
  IDLE_TIMEOUT: 0x02,
} as const;
export type CloseReason = (typeof CloseReason)[keyof typeof CloseReason];

export function isCloseReason(n: number): n is CloseReason {
  return n === 0x00 || n === 0x01 || n === 0x02;
}

/** What the peer's CLOSE said, once it checked out. */
export interface PeerClose {
  readonly appRecords: number;
  readonly reason: CloseReason;
}

/** §6.5: the peer's count of APP records must equal ours. */
export function checkPeerClose(claimed: number, received: number): void {
  if (claimed !== received) {
    throw remoteError('TRUNCATED', `peer closed after ${claimed} application records, ${received} were received`);
  }
}

/** §6.5: the transport ended before the peer's CLOSE arrived. */
export function truncatedEnd(): SecureChatError {
  return remoteError('TRUNCATED', 'the connection ended without an authenticated close');
}
