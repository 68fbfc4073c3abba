/**
 * A small world of users for the group tests: identity keys from a fixed seed, each user's
 * pins (everyone pins everyone by default), and helpers to deliver a frame to several members
 * in order. No network, no clock.
 */
import assert from 'node:assert/strict';
import { deterministicRandom } from '../../src/crypto/random.js';
import { ed25519PublicFromSeed } from '../../src/crypto/ecc.js';
import { isSecureChatError } from '../../src/errors.js';
import type { PinLookup } from '../../src/group/credential.js';
import { loadSuite, receive, type Group, type GroupEvent, type GroupSelf } from '../../src/group/group.js';
import type { GroupSuiteId, MlsSuite } from '../../src/group/mls.js';

export interface User {
  readonly self: GroupSelf;
  /** name -> pinned key; tests edit it. */
  readonly pinned: Map<string, Uint8Array>;
  readonly pins: PinLookup;
}

export function makeUser(name: string, seedLabel = name): User {
  const identitySeed = deterministicRandom(`group-test identity ${seedLabel}`)(32);
  const self = { name, identitySeed, identityKey: ed25519PublicFromSeed(identitySeed) };
  const pinned = new Map<string, Uint8Array>();
  return { self, pinned, pins: (n) => pinned.get(n) };
}

/** Everyone pins everyone else's current key. */
export function pinAll(users: readonly User[]): void {
  for (const u of users) for (const v of users) if (u !== v) u.pinned.set(v.self.name, v.self.identityKey);
}

const suites = new Map<string, Promise<MlsSuite>>();
export function suite(id: GroupSuiteId, seed = 'group-test'): Promise<MlsSuite> {
  const k = `${id}:${seed}`;
  let s = suites.get(k);
  if (s === undefined) {
    s = loadSuite(id, deterministicRandom(`${seed} ${id}`));
    suites.set(k, s);
  }
  return s;
}

export const groupIdFor = (label: string): Uint8Array => deterministicRandom(`group id ${label}`)(32);

/** A member's state and the user it belongs to. */
export interface Seat {
  readonly user: User;
  group: Group;
}

/** Delivers `frame` to every seat in order; returns each one's event. */
export async function deliver(frame: Uint8Array, to: readonly Seat[]): Promise<GroupEvent[]> {
  const out: GroupEvent[] = [];
  for (const s of to) {
    const r = await receive(s.group, frame, s.user.pins);
    s.group = r.group;
    out.push(r.event);
  }
  return out;
}

/** Asserts `p` rejects with a SecureChatError of exactly `code`. */
export async function rejectsWith(p: Promise<unknown>, code: string, what: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isSecureChatError(e), `${what}: expected a SecureChatError, got ${String(e)}`);
    assert.equal(e.code, code, `${what}: ${e.detail}`);
    return true;
  });
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const untext = (b: Uint8Array): string => new TextDecoder().decode(b);
