/** Adapts a `PeerPolicy` (the caller's pinning rules) to the handshake's synchronous peer check. */
import type { PeerIdentity } from '../handshake/result.js';
import type { SecureChatError } from '../errors.js';
import type { PeerKeyState, PeerPolicy } from './types.js';

export class PolicyCheck {
  state: PeerKeyState = 'new';
  readonly #policy: PeerPolicy;
  readonly #direction: 'inbound' | 'outbound';

  constructor(policy: PeerPolicy, direction: 'inbound' | 'outbound') {
    this.#policy = policy;
    this.#direction = direction;
  }

  readonly check = (peer: PeerIdentity): SecureChatError | null => {
    const r = this.#policy.check(peer, this.#direction);
    if ('state' in r) {
      this.state = r.state;
      return null;
    }
    return r;
  };
}
