/**
 * The key schedule of docs/PROTOCOL.md §4.3, label for label. Callers wipe what they are
 * handed back once it is spent (`wipeHandshakeKeys`); JavaScript gives no guarantee that no
 * other copy exists.
 */
import { concat, wipe } from '../crypto/bytes.js';
import { hkdfExpand, hkdfExtract } from '../crypto/hkdf.js';
import { hmacSha256 } from '../crypto/hash.js';
import { utf8 } from '../crypto/bytes.js';
import { SUITE_KEY_MATERIAL, type SuiteId } from '../crypto/aead.js';

export interface HandshakeKeys {
  readonly hsPrk: Uint8Array;
  /** i_hs and r_hs: key material (K bytes of the suite) sealing the two IdentityBlocks. */
  readonly iHs: Uint8Array;
  readonly rHs: Uint8Array;
  readonly iConfirm: Uint8Array;
  readonly rConfirm: Uint8Array;
}

export interface TrafficKeys {
  readonly root: Uint8Array;
  readonly chainI2R: Uint8Array;
  readonly chainR2I: Uint8Array;
  readonly sessionId: Uint8Array;
}

/** The v1 handshake's traffic keys, plus the secret two new contacts start from (§4.3). */
export interface LoginTrafficKeys extends TrafficKeys {
  readonly contact: Uint8Array;
}

const label = (s: string): Uint8Array => utf8(s);

/** hs_prk = Extract(th_sh, opaque_sk || mlkem_ss), then the four handshake expansions. */
export function handshakeKeys(suite: SuiteId, thSh: Uint8Array, opaqueSk: Uint8Array, mlkemSs: Uint8Array): HandshakeKeys {
  const ikm = concat(opaqueSk, mlkemSs);
  const hsPrk = hkdfExtract(thSh, ikm);
  wipe(ikm);
  const k = SUITE_KEY_MATERIAL[suite];
  return {
    hsPrk,
    iHs: hkdfExpand(hsPrk, label('sc1 i hs'), k),
    rHs: hkdfExpand(hsPrk, label('sc1 r hs'), k),
    iConfirm: hkdfExpand(hsPrk, label('sc1 i confirm'), 32),
    rConfirm: hkdfExpand(hsPrk, label('sc1 r confirm'), 32),
  };
}

/** master = Extract(th_full, hs_prk); root, both chains, the session id and the contact secret. */
export function trafficKeys(thFull: Uint8Array, hsPrk: Uint8Array): LoginTrafficKeys {
  const master = hkdfExtract(thFull, hsPrk);
  const out: LoginTrafficKeys = {
    root: hkdfExpand(master, label('sc1 root'), 32),
    chainI2R: hkdfExpand(master, label('sc1 chain i2r'), 32),
    chainR2I: hkdfExpand(master, label('sc1 chain r2i'), 32),
    sessionId: hkdfExpand(master, label('sc1 session id'), 16),
    contact: hkdfExpand(master, label('sc1 contact'), 32),
  };
  wipe(master);
  return out;
}

/** confirm = HMAC(confirm_key, H(id_part || signature)); `digest` is that hash. */
export function confirmMac(confirmKey: Uint8Array, digest: Uint8Array): Uint8Array {
  return hmacSha256(confirmKey, digest);
}

export function wipeHandshakeKeys(k: HandshakeKeys): void {
  wipe(k.hsPrk, k.iHs, k.rHs, k.iConfirm, k.rConfirm);
}
