/**
 * OPAQUE (RFC 9807) through @serenity-kit/opaque (opaque-ke, ristretto255, SHA-512,
 * Argon2id). This file only converts between the library's base64url strings and bytes and
 * turns the library's failures into typed errors; the protocol itself is the library's.
 *
 * The library reads randomness from `globalThis.crypto.getRandomValues`; vector tests fix it
 * there (test/vectors/README.md).
 */
import * as opaque from '@serenity-kit/opaque';
import { fromB64url, toB64url } from './bytes.js';
import { remoteError, localError } from '../errors.js';

import type { KsfParams } from './ksf.js';
export { KSF_DEFAULT, KSF_TEST, type KsfParams } from './ksf.js';

const ksf = (p: KsfParams) => ({ 'argon2id-custom': { memory: p.memoryKiB, iterations: p.iterations, parallelism: p.parallelism } });

/** Must be awaited once before any other call (the library instantiates its WebAssembly). */
export const opaqueReady: Promise<void> = opaque.ready;

/** A listener's long-term OPAQUE server secret (OPRF seed and AKE key pair). Secret. */
export function createServerSetup(): string {
  return opaque.server.createSetup();
}

/** The server's public AKE key, for display. */
export function serverPublicKey(serverSetup: string): Uint8Array {
  return fromB64url(opaque.server.getPublicKey(serverSetup));
}

/**
 * Registers a password for `account` entirely on this machine (we are both the OPAQUE client
 * and server): returns the registration record. The password is not kept.
 */
export function registerLocally(serverSetup: string, account: string, password: Uint8Array, params: KsfParams): Uint8Array {
  const pw = Buffer.from(password).toString('utf8');
  const { clientRegistrationState, registrationRequest } = opaque.client.startRegistration({ password: pw });
  const { registrationResponse } = opaque.server.createRegistrationResponse({ serverSetup, userIdentifier: account, registrationRequest });
  const { registrationRecord } = opaque.client.finishRegistration({
    password: pw,
    registrationResponse,
    clientRegistrationState,
    keyStretching: ksf(params),
  });
  return fromB64url(registrationRecord);
}

export interface ClientLoginStart {
  /** Secret client state; keep until the login finishes. */
  readonly state: string;
  readonly ke1: Uint8Array;
}

export function clientStartLogin(password: Uint8Array): ClientLoginStart {
  const { clientLoginState, startLoginRequest } = opaque.client.startLogin({ password: Buffer.from(password).toString('utf8') });
  return { state: clientLoginState, ke1: fromB64url(startLoginRequest) };
}

export interface ClientLoginFinish {
  readonly ke3: Uint8Array;
  readonly sessionKey: Uint8Array;
  readonly serverStaticPublicKey: Uint8Array;
}

/**
 * Finishes the client side. Wrong password, or a server that does not hold the record,
 * both give `AUTH_FAILED` (the library cannot tell them apart, by design).
 */
export function clientFinishLogin(state: string, ke2: Uint8Array, password: Uint8Array, params: KsfParams): ClientLoginFinish {
  let r: ReturnType<typeof opaque.client.finishLogin>;
  try {
    r = opaque.client.finishLogin({
      clientLoginState: state,
      loginResponse: toB64url(ke2),
      password: Buffer.from(password).toString('utf8'),
      keyStretching: ksf(params),
    });
  } catch (e) {
    throw remoteError('AUTH_FAILED', 'OPAQUE login response was rejected', e);
  }
  if (r === undefined) throw remoteError('AUTH_FAILED', 'OPAQUE login failed (wrong password or impostor listener)');
  return { ke3: fromB64url(r.finishLoginRequest), sessionKey: fromB64url(r.sessionKey), serverStaticPublicKey: fromB64url(r.serverStaticPublicKey) };
}

export interface ServerLoginStart {
  readonly state: string;
  readonly ke2: Uint8Array;
}

/**
 * Starts the server side. With `record === null` the library answers with a fake response
 * indistinguishable from a real one, so an unknown account is not revealed.
 */
export function serverStartLogin(serverSetup: string, account: string, record: Uint8Array | null, ke1: Uint8Array): ServerLoginStart {
  try {
    const { serverLoginState, loginResponse } = opaque.server.startLogin({
      serverSetup,
      userIdentifier: account,
      registrationRecord: record === null ? null : toB64url(record),
      startLoginRequest: toB64url(ke1),
    });
    return { state: serverLoginState, ke2: fromB64url(loginResponse) };
  } catch (e) {
    throw remoteError('DECODE_ERROR', 'OPAQUE KE1 is malformed', e);
  }
}

/** Finishes the server side: a bad KE3 (client MAC) is `AUTH_FAILED`. */
export function serverFinishLogin(state: string, ke3: Uint8Array): Uint8Array {
  try {
    const { sessionKey } = opaque.server.finishLogin({ serverLoginState: state, finishLoginRequest: toB64url(ke3) });
    return fromB64url(sessionKey);
  } catch (e) {
    throw remoteError('AUTH_FAILED', 'OPAQUE client confirmation failed', e);
  }
}

export function checkKsfParams(p: KsfParams, max: { memoryKiB: number; iterations: number }): void {
  const ok =
    Number.isInteger(p.memoryKiB) && Number.isInteger(p.iterations) && Number.isInteger(p.parallelism) &&
    p.parallelism >= 1 && p.parallelism <= 16 && p.iterations >= 1 && p.iterations <= max.iterations &&
    p.memoryKiB >= 8 * p.parallelism && p.memoryKiB <= max.memoryKiB;
  if (!ok) throw localError('KSF_PARAMS_REFUSED', 'the listener asked for key-stretching parameters outside the accepted range');
}
