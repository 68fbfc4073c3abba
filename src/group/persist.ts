/**
 * A Group as bytes for storage, and back (docs/GROUPS.md §6). JSON, UTF-8:
 * `{"version":1,"suite":83,"ordering":{...},"mls":b64,"seen":[hex...],"pending":{...}|null}`.
 * SECRET (the MLS state holds epoch secrets and the identity seed): store it 0600 and atomically,
 * like identity.json. The identity itself is not stored: the caller passes it on load, and it
 * must be the one the state's own leaf names. Damaged input is `STORAGE_ERROR`.
 */
import { fromB64, toB64 } from '../crypto/bytes.js';
import { localError } from '../errors.js';
import { decodeCredential } from './credential.js';
import { exportMlsState, importMlsState, isGroupSuiteId, type MlsSuite } from './mls.js';
import type { Group, GroupSelf, PendingCommit } from './group.js';
import type { Ordering } from './ordering.js';

const FORMAT_VERSION = 1;

export function encodeGroup(g: Group): Uint8Array {
  const p = g.pending;
  const doc = {
    version: FORMAT_VERSION,
    suite: g.suite.id,
    ordering: g.ordering,
    mls: toB64(exportMlsState(g.mls)),
    seen: [...g.seen],
    pending:
      p === undefined
        ? null
        : {
            epoch: String(p.epoch),
            change: { add: p.change.add.map(toB64), remove: p.change.remove },
            frame: toB64(p.frame),
            welcome: p.welcome === undefined ? null : toB64(p.welcome),
            digest: p.digest,
            next: toB64(exportMlsState(p.next)),
          },
  };
  return new TextEncoder().encode(JSON.stringify(doc));
}

function bad(why: string, cause?: unknown): Error {
  return localError('STORAGE_ERROR', `the stored group is damaged: ${why}`, cause);
}

const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string') throw bad(`${what} is not a string`);
  return v;
};
const b64 = (v: unknown, what: string): Uint8Array => {
  try {
    return fromB64(str(v, what));
  } catch (e) {
    throw bad(`${what} is not base64`, e);
  }
};
const obj = (v: unknown, what: string): Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`${what} is not an object`);
  return v as Record<string, unknown>;
};
const arr = (v: unknown, what: string): unknown[] => {
  if (!Array.isArray(v)) throw bad(`${what} is not an array`);
  return v;
};

function ordering(v: unknown): Ordering {
  const o = obj(v, 'ordering');
  if (o['mode'] === 'sequenced') return { mode: 'sequenced' };
  if (o['mode'] === 'committer' && Number.isSafeInteger(o['committerLeaf']) && (o['committerLeaf'] as number) >= 0) return { mode: 'committer', committerLeaf: o['committerLeaf'] as number };
  throw bad('unknown ordering');
}

/** Loads a group stored by `encodeGroup`; `suite` must be loaded for the stored suite id. */
export function decodeGroup(bytes: Uint8Array, suite: MlsSuite, self: GroupSelf): Group {
  let doc: Record<string, unknown>;
  try {
    doc = obj(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)), 'the file');
  } catch (e) {
    throw e instanceof Error && 'code' in e ? e : bad('it is not JSON', e);
  }
  if (doc['version'] !== FORMAT_VERSION) throw bad(`format version ${String(doc['version'])}`);
  const id = doc['suite'];
  if (typeof id !== 'number' || !isGroupSuiteId(id) || id !== suite.id) throw bad(`suite ${String(id)} is not the suite given (${suite.id})`);
  const mls = importMlsState(b64(doc['mls'], 'mls'));
  const own = mls.members.find((m) => m.leaf === mls.ownLeaf);
  const cred = own === undefined ? undefined : decodeCredential(own.credentialIdentity);
  const sameKey = cred !== undefined && cred.identityKey.length === self.identityKey.length && cred.identityKey.every((b, i) => b === self.identityKey[i]);
  if (mls.active && (cred?.name !== self.name || !sameKey)) throw bad(`its own leaf is not ${self.name} with this identity key`);
  const seen = new Set(arr(doc['seen'], 'seen').map((x, i) => str(x, `seen[${i}]`)));
  let pending: PendingCommit | undefined;
  if (doc['pending'] !== null) {
    const p = obj(doc['pending'], 'pending');
    const c = obj(p['change'], 'pending.change');
    const epoch = str(p['epoch'], 'pending.epoch');
    if (!/^[0-9]+$/.test(epoch)) throw bad('pending.epoch is not a number');
    pending = {
      epoch: BigInt(epoch),
      change: { add: arr(c['add'], 'pending.change.add').map((x, i) => b64(x, `pending.change.add[${i}]`)), remove: arr(c['remove'], 'pending.change.remove').map((x, i) => str(x, `pending.change.remove[${i}]`)) },
      frame: b64(p['frame'], 'pending.frame'),
      welcome: p['welcome'] === null ? undefined : b64(p['welcome'], 'pending.welcome'),
      digest: str(p['digest'], 'pending.digest'),
      next: importMlsState(b64(p['next'], 'pending.next')),
      spent: [],
    };
  }
  return { suite, mls, self, ordering: ordering(doc['ordering']), pending, seen };
}
