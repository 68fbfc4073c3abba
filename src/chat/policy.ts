/** Adapts a `PeerPolicy` (the caller's pinning rules) to the handshake's synchronous peer check. */
import type { PeerIdentity } from '../handshake/result.js';
import type { SecureChatError } from '../errors.js';
import type { PeerKeyState, PeerPolicy } from './types.js';

export class PolicyCheck {
  state: PeerKeyState = 'new';
  readonly #policy: PeerPolicy;

  constructor(policy: PeerPolicy) {
    this.#policy = policy;
  }

  readonly check = (peer: PeerIdentity): SecureChatError | null => {
    const r = this.#policy.check(peer);
    if ('state' in r) {
      this.state = r.state;
      return null;
    }
    return r;
  };
}
