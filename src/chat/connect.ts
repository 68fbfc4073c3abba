/** Connecting to a listener: handshake, pinning, then a `Conversation`. */
import { connectLogin } from '../transport/client.js';
import { wipe } from '../crypto/bytes.js';
import type { HandshakeResult } from '../handshake/result.js';
import type { SecureConnection } from '../transport/secure-connection.js';
import { CONNECT_BUSY_RETRIES } from '../limits.js';
import { isSecureChatError, localError } from '../errors.js';
import { retryBusy } from './busy-retry.js';
import { systemRandom } from '../crypto/random.js';
import { opaqueReady, type KsfParams } from '../crypto/opaque.js';
import { Conversation } from './conversation.js';
import { PolicyCheck } from './policy.js';
import type { ConnectOptions } from './types.js';

import { DEFAULT_SUITES } from './suites.js';

export { DEFAULT_SUITES };

const STEP_TEXT = {
  connected: 'connected; starting the handshake',
  'hello-sent': 'sent hello: OPAQUE login and ML-KEM-768 key',
  'hello-received': 'listener answered; password checked with OPAQUE',
  established: 'identities verified; conversation is end-to-end encrypted',
} as const;

export async function connect(opts: ConnectOptions): Promise<Conversation> {
  const pc = new PolicyCheck(opts.policy, 'outbound');
  const pinned = opts.acceptKsfIncrease === true ? undefined : opts.policy.ksfPin?.(opts.account);
  let asked: KsfParams | undefined;
  await opaqueReady; // the OPAQUE library instantiates its WebAssembly once, asynchronously
  opts.onStep?.({ step: 'connecting', text: `connecting to ${opts.host}:${opts.port}` });
  // A "busy" answer is retried a few times with jittered backoff (busy-retry.ts).
  const retries = opts.busyRetries ?? CONNECT_BUSY_RETRIES;
  const once = (): Promise<{ conn: SecureConnection; result: HandshakeResult }> =>
    connectLogin({
      host: opts.host,
      port: opts.port,
      ...(opts.localAddress === undefined ? {} : { localAddress: opts.localAddress }),
      random: systemRandom,
      ...opts.session,
      ...(opts.handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs: opts.handshakeTimeoutMs }),
      handshake: {
        account: opts.account,
        password: opts.password,
        identity: { seed: opts.self.seed, publicKey: opts.self.publicKey, name: opts.self.name },
        suites: opts.suites ?? DEFAULT_SUITES,
        checkPeer: pc.check,
        ...(pinned === undefined ? {} : { pinnedKsf: pinned }),
        onKsf: (k) => (asked = k),
        ...(opts.invitation === true ? { invitation: true } : {}),
      },
      onStep: (s) => {
        const step = s === 'hello-received' ? 'authenticated' : s;
        opts.onStep?.({ step, text: STEP_TEXT[s] });
      },
    });
  const { conn, result } = await retryBusy(once, retries);
  try {
    await opts.policy.commit(conn.peer, pc.state, 'outbound');
    // The parameters proved right (OPAQUE finished with them): pin them, or follow a change.
    const had = opts.policy.ksfPin?.(opts.account);
    if (asked !== undefined && (had === undefined || had.memoryKiB !== asked.memoryKiB || had.iterations !== asked.iterations || had.parallelism !== asked.parallelism)) {
      await opts.policy.commitKsf?.(opts.account, asked);
    }
    // The first password login (or an invitation) makes the two users contacts (§10.5).
    if (result.contact !== undefined && opts.contacts !== undefined) await opts.contacts.madeContact(conn.peer, 'initiator', result.contact, opts.invitation === true ? 'invitation' : 'password');
  } catch (e) {
    // The connection was never started (no handlers): an authenticated close would wait for
    // an answer nobody handles. Drop it at once; the caller gets the error (issue 10, F6).
    conn.destroy(isSecureChatError(e) ? e : localError('INTERNAL', 'could not record the login', e));
    throw e;
  } finally {
    wipe(result.contact);
  }
  return new Conversation(conn, pc.state);
}
