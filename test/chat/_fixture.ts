/** In-memory parties for chat-layer tests: accounts with cheap KSF, TOFU policies in a Map. */
import { randomBytes } from 'node:crypto';
import { ed25519PublicFromSeed } from '../../src/crypto/ecc.js';
import { createServerSetup, KSF_TEST, opaqueReady, registerLocally } from '../../src/crypto/opaque.js';
import { utf8 } from '../../src/crypto/bytes.js';
import { localError } from '../../src/errors.js';
import type { ListenerAccount, LocalIdentity, PeerKeyState, PeerPolicy } from '../../src/chat/types.js';

export interface Party {
  self: LocalIdentity;
  account: ListenerAccount;
  password: Uint8Array;
  policy: PeerPolicy & { pins: Map<string, string> };
}

export function memoryPolicy(): PeerPolicy & { pins: Map<string, string> } {
  const pins = new Map<string, string>();
  return {
    pins,
    check(peer) {
      const hex = Buffer.from(peer.identityKey).toString('hex');
      const had = pins.get(peer.name);
      if (had === undefined) return { state: 'new' as PeerKeyState };
      if (had === hex) return { state: 'pinned' as PeerKeyState };
      return localError('PEER_KEY_CHANGED', `the key of ${peer.name} changed`);
    },
    async commit(peer) {
      pins.set(peer.name, Buffer.from(peer.identityKey).toString('hex'));
    },
  };
}

export async function party(name: string, password = `${name}-password`): Promise<Party> {
  await opaqueReady;
  const seed = new Uint8Array(randomBytes(32));
  const serverSetup = createServerSetup();
  const pw = utf8(password);
  return {
    self: { name, seed, publicKey: ed25519PublicFromSeed(seed) },
    account: { name, serverSetup, record: registerLocally(serverSetup, name, pw, KSF_TEST), ksf: KSF_TEST },
    password: pw,
    policy: memoryPolicy(),
  };
}
