// Test helpers: run the two v0 state machines against each other in memory, with a hook
// to alter messages in flight (h11-style fake link, no sockets).
import { utf8 } from '../../src/crypto/bytes.js';
import type { LegacyCoreEvent, LegacyStep } from '../../src/legacy/events.js';
import { LegacyReceiver } from '../../src/legacy/receiver.js';
import { LegacySender } from '../../src/legacy/sender.js';
import type { SecureChatError } from '../../src/errors.js';
import { cases, fixedRandom, hexBytes, type LegacyCase } from './_vectors.js';

export const str = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

export function vectorReceiver(v: LegacyCase, password = v.password): LegacyReceiver {
  const group = { p: hexBytes(v.dh_prime_hex), g: Uint8Array.of(v.dh_generator) };
  return new LegacyReceiver({ password: utf8(password), group, privateKey: hexBytes(v.receiver_private_hex), challenge: v.challenge });
}

export function vectorSender(v: LegacyCase, password = v.password, text = v.text): LegacySender {
  return new LegacySender({ password: utf8(password), text, timestamp: v.timestamp, random: fixedRandom(hexBytes(v.sender_private_hex)) });
}

export const case1 = cases[0]!;

export interface RunResult {
  rEvents: LegacyCoreEvent[];
  sEvents: LegacyCoreEvent[];
  rError?: SecureChatError;
  sError?: SecureChatError;
  rReplies: string[];
  sReplies: string[];
}

type Mutate = (from: 'S' | 'R', msg: string) => string;

/** Runs both machines to completion, passing every message through `mutate`. */
export function run(R: LegacyReceiver, S: LegacySender, mutate: Mutate = (_f, m) => m): RunResult {
  const res: RunResult = { rEvents: [], sEvents: [], rReplies: [], sReplies: [] };
  const take = (side: 'R' | 'S', st: LegacyStep): string[] => {
    (side === 'R' ? res.rEvents : res.sEvents).push(...st.events);
    if (st.error !== undefined) {
      if (side === 'R') res.rError ??= st.error;
      else res.sError ??= st.error;
    }
    const out = st.out.map(str);
    (side === 'R' ? res.rReplies : res.sReplies).push(...out);
    return out;
  };
  let toR = take('S', S.start());
  for (let i = 0; i < 20 && toR.length > 0; i++) {
    const toS: string[] = [];
    for (const m of toR) if (!R.isDone) toS.push(...take('R', R.receive(utf8(mutate('S', m)))));
    toR = [];
    for (const m of toS) if (!S.isDone) toR.push(...take('S', S.receive(utf8(mutate('R', m)))));
  }
  return res;
}
