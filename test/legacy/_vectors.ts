// Loads the known answers of the original program (copied byte for byte from
// /work/shared/vectors/legacy-v0.json, see that directory's README).
import { readFileSync } from 'node:fs';

export interface LegacyCase {
  password: string;
  text: string;
  timestamp: number;
  dh_prime_hex: string;
  dh_generator: number;
  receiver_private_hex: string;
  sender_private_hex: string;
  receiver_public_pem: string;
  sender_public_pem: string;
  shared_secret_hex: string;
  dhsk_hex: string;
  dhsk_python_str: string;
  challenge: string;
  response_hex: string;
  iv_ascii: string;
  hmac_key_hex: string;
  chap_secret_hex: string;
  auth_hex: string;
  body_b64: string;
  text_message_json: string;
  crc: number;
  ack_json: string;
  log_line: string;
}

const file = new URL('../../../test/legacy/vectors/legacy-v0.json', import.meta.url);
export const cases: LegacyCase[] = (JSON.parse(readFileSync(file, 'utf8')) as { cases: LegacyCase[] }).cases;

/** The clock the vectors' log lines were made with: 25-11-2026 20:44:13 UTC. */
export const VECTOR_LOG_TIME_MS = Date.UTC(2026, 10, 25, 20, 44, 13);

/** A hex string of any length as bytes (left-padded to whole bytes). */
export function hexBytes(h: string, len?: number): Uint8Array {
  const even = h.length % 2 === 0 ? h : '0' + h;
  const b = new Uint8Array(Buffer.from(even, 'hex'));
  if (len === undefined) return b;
  const out = new Uint8Array(len);
  out.set(b, len - b.length);
  return out;
}

/** A RandomSource that returns `bytes` (left-padded to the request) once, then fails. */
export function fixedRandom(bytes: Uint8Array): (n: number) => Uint8Array {
  let used = false;
  return (n) => {
    if (used || bytes.length > n) throw new Error('fixedRandom: unexpected request');
    used = true;
    const out = new Uint8Array(n);
    out.set(bytes, n - bytes.length);
    return out;
  };
}
