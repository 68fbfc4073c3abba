/**
 * The page's actions on keys, contacts and invitations, through the application core (the same
 * functions the CLI and the agent's methods use): safety numbers, "mark verified", "trust new
 * key" (which then reconnects), the conversation log, removing a contact, inviting and
 * accepting an invitation (its conversation is logged by the messenger, as the CLI's is).
 */
import type { KsfParams } from '../crypto/opaque.js';
import { systemRandom } from '../crypto/random.js';
import { localError } from '../errors.js';
import { formatFingerprint, keyFingerprint, loadKnownPeers, markVerified, trustNewKey } from '../identity/index.js';
import { acceptInvitation, newInvitation, parseInvitation, removeContact } from '../app/contacts-admin.js';
import type { FailContext } from '../app/errors-text.js';
import { SILENT } from '../app/host.js';
import { KnownPeersPolicy } from '../app/policy.js';
import type { UiController } from './controller.js';
import { withContext } from './errors.js';
import type { ConversationView, InvitationView, LogView, VerifyView } from './protocol.js';
import { logView, verifyView } from './views.js';

export class PageActions {
  constructor(
    private readonly c: UiController,
    private readonly ksf: KsfParams,
  ) {}

  verify(peer: string): Promise<VerifyView> {
    return verifyView(this.c.self, peer);
  }

  /** Marks `peer`'s pinned key verified, if it is still the one with `fingerprint` (what the person compared). */
  async markVerified(peer: string, fingerprint: string): Promise<VerifyView> {
    const self = this.c.self;
    const rec = (await loadKnownPeers(self.dir)).peers.get(peer);
    if (rec === undefined || formatFingerprint(keyFingerprint(rec.key)) !== fingerprint) {
      throw localError('USAGE', `${peer}'s key is not the one you compared any more; open the safety number again`);
    }
    await markVerified(self.dir, peer, rec.key);
    void this.c.emitState();
    return verifyView(self, peer);
  }

  /**
   * Accepts `peer`'s refused new key, if it is still the one with `fingerprint` (what the person
   * checked); then the connection that stopped at it is made again.
   */
  async trust(peer: string, fingerprint: string): Promise<VerifyView & { readonly conversation?: ConversationView }> {
    const self = this.c.self;
    const rec = (await loadKnownPeers(self.dir)).peers.get(peer);
    const pending = rec?.pendingKey?.key;
    if (rec === undefined || pending === undefined) throw localError('UNKNOWN_USER', `the key of ${peer} has not changed; there is nothing to trust`);
    if (formatFingerprint(keyFingerprint(pending)) !== fingerprint) {
      throw localError('USAGE', `${peer} has offered yet another key since you looked; open the safety number again`);
    }
    await trustNewKey(self.dir, peer, pending);
    void this.c.emitState();
    const view = await verifyView(self, peer);
    const conversation = await this.c.reconnectAfterTrust(peer);
    return conversation === undefined ? view : { ...view, conversation };
  }

  /** "Do not trust": nothing changes, and the kept password is wiped. */
  distrust(peer: string): { readonly ok: true } {
    this.c.forgetRetry(peer);
    return { ok: true };
  }

  log(peer: string | undefined): Promise<LogView> {
    return logView(this.c.self, peer);
  }

  async removeContact(name: string): Promise<{ readonly removed: string }> {
    await removeContact(this.c.self, name);
    void this.c.emitState();
    return { removed: name };
  }

  /** A new invitation for the address the user listens on (or their users-file entry's). */
  async invite(): Promise<InvitationView> {
    const self = this.c.self;
    const l = this.c.listenerView();
    const host = self.entry?.ip ?? l.host;
    const port = l.on ? l.port : (self.entry?.port ?? 0);
    if (port === 0) throw localError('USAGE', 'turn on "Listen for incoming" first: the invitation carries the address you listen on');
    return newInvitation(self, { host, port }, this.ksf, systemRandom, Date.now());
  }

  /** Accepts an invitation pasted in the page: both become contacts. */
  async accept(text: string): Promise<{ readonly contact: string }> {
    const ctx: FailContext = { established: false };
    try {
      const inv = parseInvitation(text);
      ctx.peer = inv.account;
      const users = this.c.users;
      // Through the messenger, the only writer of the log: the conversation is logged (start, end) as any other.
      await this.c.context.core.messenger.accepted(this.c.self.name, SILENT, ctx, async (self) => {
        const policy = await KnownPeersPolicy.load(self.dir, users, () => undefined);
        try {
          return await acceptInvitation({ self, invitation: inv, policy });
        } finally {
          await policy.settle();
        }
      });
      void this.c.emitState();
      return { contact: inv.account };
    } catch (e) {
      throw withContext(e, ctx);
    }
  }
}
