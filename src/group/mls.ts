/**
 * The one adapter over `ts-mls` (RFC 9420). No other file imports ts-mls: the rest of
 * src/group/ sees only the types below (opaque handles, bytes, numbers), so the library can be
 * replaced by rewriting this file alone. ts-mls is unaudited and has essentially one
 * maintainer; it is pinned exactly in package.json.
 *
 * What it provides: suites 83 (`MLS_256_XWING_AES256GCM_SHA512_Ed25519`, the default) and 1
 * (`MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519`); KeyPackages signed with our identity key;
 * group creation, commits (add/remove, always with a path), Welcome (with the ratchet tree
 * inside, so a joiner needs nothing else), proposals, application messages, and processing of
 * incoming MLS messages, every one as an `mls_private_message` (docs/GROUPS.md §4).
 *
 * Randomness: ts-mls draws path secrets, epoch secrets and the reuse guard from the suite's
 * `rng`, which we replace with the caller's `RandomSource`. HPKE encapsulation (X-Wing,
 * X25519) and HPKE key generation inside `@hpke/*` read WebCrypto's `getRandomValues`
 * directly and cannot be injected: commits, Welcomes and KeyPackages are not reproducible.
 * Clock: ts-mls reads `Date.now()` only when `validateLifetimeOnReceive` is on; we keep it off
 * and give KeyPackages the unbounded default lifetime (expiry is the relay's job, later).
 *
 * Errors: every ts-mls failure is mapped to a SecureChatError (`mapMlsError`); a
 * SecureChatError thrown by our credential check inside ts-mls passes through unchanged.
 */
import {
  createApplicationMessage,
  createCommit,
  createGroup,
  createProposal,
  decodeGroupState,
  decodeMlsMessage,
  defaultCapabilities,
  defaultKeyPackageEqualityConfig,
  defaultLifetime,
  defaultPaddingConfig,
  emptyPskIndex,
  encodeGroupState,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  processPrivateMessage,
  type CiphersuiteImpl,
  type CiphersuiteName,
  type ClientConfig,
  type ClientState,
  type GroupState,
  type IncomingMessageAction,
  type KeyPackage,
  type MLSMessage,
  type PrivateKeyPackage,
  type PrivateMessage,
  type Proposal,
} from 'ts-mls';
import { unprotectPrivateMessage } from 'ts-mls/messageProtection.js';
import { refhash } from 'ts-mls/crypto/hash.js';
import { deriveSecret, deriveTreeSecret, expandWithLabel } from 'ts-mls/crypto/kdf.js';
import { signWithLabel, verifyWithLabel } from 'ts-mls/crypto/signature.js';
import { isSecureChatError, remoteError, localError, type ErrorCode } from '../errors.js';
import type { RandomSource } from '../crypto/random.js';
import { GROUP_MAX_FORWARD_RATCHET, GROUP_RETAIN_EPOCHS, GROUP_RETAIN_GENERATIONS } from './limits.js';

// ---- suites ----

export const GROUP_SUITES = {
  1: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519',
  83: 'MLS_256_XWING_AES256GCM_SHA512_Ed25519',
} as const satisfies Record<number, CiphersuiteName>;
export type GroupSuiteId = keyof typeof GROUP_SUITES;
export const DEFAULT_GROUP_SUITE: GroupSuiteId = 83;

export function isGroupSuiteId(n: number): n is GroupSuiteId {
  return n === 1 || n === 83;
}

/** A loaded suite bound to a random source. Opaque outside this file. */
export class MlsSuite {
  readonly #impl: CiphersuiteImpl;
  readonly id: GroupSuiteId;
  private constructor(id: GroupSuiteId, impl: CiphersuiteImpl) {
    this.id = id;
    this.#impl = impl;
  }
  /** @internal */
  static impl(s: MlsSuite): CiphersuiteImpl {
    return s.#impl;
  }
  static async load(id: GroupSuiteId, random: RandomSource): Promise<MlsSuite> {
    const base = await getCiphersuiteImpl(getCiphersuiteFromName(GROUP_SUITES[id]));
    return new MlsSuite(id, { ...base, rng: { randomBytes: (n: number) => random(n) } });
  }
}
const implOf = (s: MlsSuite): CiphersuiteImpl => MlsSuite.impl(s);

// ---- errors ----

/** Maps a failure inside ts-mls to our codes; `fallback` when nothing more precise applies. */
export function mapMlsError(e: unknown, fallback: ErrorCode = 'GROUP_AUTH_FAILED'): Error {
  if (isSecureChatError(e)) return e;
  const name = e instanceof Error ? e.constructor.name : '';
  const msg = e instanceof Error ? e.message : String(e);
  if (/gen in the past/i.test(msg)) return remoteError('GROUP_REPLAY', 'the group message key was already used (a replay)', e);
  if (/epoch/i.test(msg) && name === 'ValidationError') return remoteError('GROUP_WRONG_EPOCH', `the group message is not for the current epoch (${msg})`, e);
  if (/proposal with supplied reference/i.test(msg)) return remoteError('UNEXPECTED_MESSAGE', 'the commit refers to a proposal we never received', e);
  if (/unapplied proposals/i.test(msg)) return localError('GROUP_PENDING_COMMIT', 'proposals are waiting for a commit: messages can be sent again once it arrives (ts-mls refuses application messages while proposals are unapplied)', e);
  if (/removed from group/i.test(msg)) return localError('GROUP_NOT_MEMBER', 'we are no longer a member of this group', e);
  if (name === 'CodecError') return remoteError('DECODE_ERROR', `the MLS message does not decode (${msg})`, e);
  if (name === 'UsageError') return localError('INTERNAL', `MLS refused the operation (${msg})`, e);
  if (name === 'DependencyError' || name === 'InternalError') return localError('INTERNAL', `MLS library failure (${msg})`, e);
  // CryptoVerificationError, ValidationError and the AEAD's own errors: a message that does
  // not authenticate. The detail stays local.
  return remoteError(fallback, `the group message does not authenticate (${name || 'Error'}: ${msg})`, e);
}

async function guard<T>(f: () => Promise<T>, fallback?: ErrorCode): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw mapMlsError(e, fallback);
  }
}

// ---- messages ----

export const WIRE_FORMATS = ['mls_public_message', 'mls_private_message', 'mls_welcome', 'mls_group_info', 'mls_key_package'] as const;
export type WireFormat = (typeof WIRE_FORMATS)[number];

/** An MLS message decoded to its header: what a relay or a router may look at. */
export interface MlsHeader {
  readonly wireFormat: WireFormat;
  /** Only for private/public messages. */
  readonly groupId?: Uint8Array;
  readonly epoch?: bigint;
  readonly contentType?: 'application' | 'proposal' | 'commit';
}

function decodeWhole(bytes: Uint8Array): MLSMessage {
  let r: [MLSMessage, number] | undefined;
  try {
    r = decodeMlsMessage(bytes, 0);
  } catch (e) {
    throw remoteError('DECODE_ERROR', 'the MLS message does not decode', e);
  }
  if (r === undefined) throw remoteError('DECODE_ERROR', 'the MLS message does not decode');
  if (r[1] !== bytes.length) throw remoteError('DECODE_ERROR', `the MLS message has ${bytes.length - r[1]} trailing bytes`);
  if (r[0].version !== 'mls10') throw remoteError('DECODE_ERROR', 'the MLS message is not MLS 1.0');
  // Canonical encoding only (RFC 9420 §2.1.2: minimal variable-length integers): the bytes must
  // be exactly what encoding the decoded message gives, so no two byte strings carry one message.
  const again = encodeMlsMessage(r[0]);
  if (again.length !== bytes.length || !again.every((b, i) => b === bytes[i])) throw remoteError('DECODE_ERROR', 'the MLS message is not canonically encoded');
  return r[0];
}

/** Decodes an MLSMessage (RFC 9420 §6) and returns its cleartext header. Refuses trailing bytes. */
export function decodeMlsHeader(bytes: Uint8Array): MlsHeader {
  const m = decodeWhole(bytes);
  if (m.wireformat === 'mls_private_message') {
    return { wireFormat: m.wireformat, groupId: m.privateMessage.groupId, epoch: m.privateMessage.epoch, contentType: m.privateMessage.contentType };
  }
  if (m.wireformat === 'mls_public_message') {
    return { wireFormat: m.wireformat, groupId: m.publicMessage.content.groupId, epoch: m.publicMessage.content.epoch, contentType: m.publicMessage.content.contentType };
  }
  return { wireFormat: m.wireformat };
}

/** decode then encode: the canonical bytes of an MLSMessage (for the RFC vectors and the fuzz test). */
export function reencodeMlsMessage(bytes: Uint8Array): Uint8Array {
  return encodeMlsMessage(decodeWhole(bytes));
}

function privateMessageOf(bytes: Uint8Array): PrivateMessage {
  const m = decodeWhole(bytes);
  if (m.wireformat !== 'mls_private_message') throw remoteError('DECODE_ERROR', `expected an mls_private_message, got ${m.wireformat}`);
  return m.privateMessage;
}

const privateBytes = (privateMessage: PrivateMessage): Uint8Array => encodeMlsMessage({ version: 'mls10', wireformat: 'mls_private_message', privateMessage });
const asPrivate = (m: MLSMessage): Uint8Array => {
  if (m.wireformat !== 'mls_private_message') throw localError('INTERNAL', 'ts-mls produced a message that is not private');
  return encodeMlsMessage(m);
};

// ---- credentials ----

/** Called by MLS for every leaf it validates; throws to refuse (our SecureChatError passes through). */
export type CredentialCheck = (credentialIdentity: Uint8Array, signatureKey: Uint8Array) => void;

function clientConfig(check: CredentialCheck): ClientConfig {
  return {
    keyRetentionConfig: { retainKeysForEpochs: GROUP_RETAIN_EPOCHS, retainKeysForGenerations: GROUP_RETAIN_GENERATIONS, maximumForwardRatchetSteps: GROUP_MAX_FORWARD_RATCHET },
    lifetimeConfig: { maximumTotalLifetime: 0xffffffffffffffffn, validateLifetimeOnReceive: false },
    keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
    paddingConfig: defaultPaddingConfig,
    authService: {
      validateCredential(credential, signaturePublicKey): Promise<boolean> {
        if (credential.credentialType !== 'basic') return Promise.resolve(false);
        check(credential.identity, signaturePublicKey);
        return Promise.resolve(true);
      },
    },
  };
}

// ---- state ----

/** One member's MLS group state. Immutable: every operation returns a new one. Opaque. */
export class MlsGroupState {
  readonly #s: ClientState;
  private constructor(s: ClientState) {
    this.#s = s;
  }
  /** @internal */
  static wrap(s: ClientState): MlsGroupState {
    return new MlsGroupState(s);
  }
  /** @internal */
  static unwrap(g: MlsGroupState, check: CredentialCheck): ClientState {
    // The credential check is a parameter of every call (pins change between calls).
    return { ...g.#s, clientConfig: clientConfig(check) };
  }
  get epoch(): bigint {
    return this.#s.groupContext.epoch;
  }
  get groupId(): Uint8Array {
    return this.#s.groupContext.groupId;
  }
  /** The tree hash of this epoch's group context (RFC 9420): members that agree on it hold the same tree. */
  get treeHash(): Uint8Array {
    return this.#s.groupContext.treeHash;
  }
  /** The confirmed transcript hash (RFC 9420): members that agree on it applied the same commits. */
  get confirmedTranscriptHash(): Uint8Array {
    return this.#s.groupContext.confirmedTranscriptHash;
  }
  get ownLeaf(): number {
    return this.#s.privatePath.leafIndex;
  }
  get active(): boolean {
    return this.#s.groupActiveState.kind === 'active';
  }
  /** Members in leaf order: leaf index, credential identity bytes, signature key. */
  get members(): readonly MlsLeaf[] {
    const out: MlsLeaf[] = [];
    this.#s.ratchetTree.forEach((node, i) => {
      if (node?.nodeType !== 'leaf' || node.leaf.credential.credentialType !== 'basic') return;
      out.push({ leaf: i / 2, credentialIdentity: node.leaf.credential.identity, signatureKey: node.leaf.signaturePublicKey });
    });
    return out;
  }
  /** Proposals received and not yet committed. */
  get pendingProposals(): number {
    return Object.keys(this.#s.unappliedProposals).length;
  }
}
const unwrap = (g: MlsGroupState, check: CredentialCheck): ClientState => MlsGroupState.unwrap(g, check);

/**
 * The state's bytes for storage (ts-mls's GroupState encoding: tree, key schedule, secret tree,
 * retained epochs, unapplied proposals, and our identity seed as the signature key): SECRET,
 * store it like identity.json. The credential check is not stored; it is a parameter of every call.
 */
export function exportMlsState(g: MlsGroupState): Uint8Array {
  return encodeGroupState(unwrap(g, () => undefined));
}

/** Reads bytes from `exportMlsState`; `STORAGE_ERROR` if they do not decode whole. */
export function importMlsState(bytes: Uint8Array): MlsGroupState {
  let r: [GroupState, number] | undefined;
  try {
    r = decodeGroupState(bytes, 0);
  } catch (e) {
    throw localError('STORAGE_ERROR', 'the stored group state does not decode', e);
  }
  if (r === undefined || r[1] !== bytes.length) throw localError('STORAGE_ERROR', 'the stored group state does not decode');
  return wrap({ ...r[0], clientConfig: clientConfig(() => undefined) });
}
const wrap = (s: ClientState): MlsGroupState => MlsGroupState.wrap(s);

export interface MlsLeaf {
  readonly leaf: number;
  readonly credentialIdentity: Uint8Array;
  readonly signatureKey: Uint8Array;
}

/** Spent secrets ts-mls hands back; wipe them only once the new state is the one kept. */
export type Spent = readonly Uint8Array[];
export function wipeSpent(spent: Spent): void {
  for (const b of spent) b.fill(0);
}

// ---- key packages ----

/** Our signer: the identity seed is the MLS signature key (docs/GROUPS.md §3). */
export interface MlsSigner {
  readonly credentialIdentity: Uint8Array;
  readonly identitySeed: Uint8Array;
  readonly identityKey: Uint8Array;
}

/** A KeyPackage with its private half. `publicBytes` is the MLSMessage (mls_key_package). */
export class MlsKeyPackage {
  readonly #pub: KeyPackage;
  readonly #priv: PrivateKeyPackage;
  readonly publicBytes: Uint8Array;
  private constructor(pub: KeyPackage, priv: PrivateKeyPackage) {
    this.#pub = pub;
    this.#priv = priv;
    this.publicBytes = encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: pub });
  }
  /** @internal */
  static parts(k: MlsKeyPackage): [KeyPackage, PrivateKeyPackage] {
    return [k.#pub, k.#priv];
  }
  static async generate(suite: MlsSuite, signer: MlsSigner): Promise<MlsKeyPackage> {
    const r = await guard(() =>
      generateKeyPackageWithKey(
        { credentialType: 'basic', identity: signer.credentialIdentity },
        defaultCapabilities(),
        defaultLifetime,
        [],
        { signKey: signer.identitySeed, publicKey: signer.identityKey },
        implOf(suite),
      ),
    );
    return new MlsKeyPackage(r.publicPackage, r.privatePackage);
  }
  /**
   * Wipes the init private key once the Welcome was processed (it is used once, RFC 9420
   * §10). The leaf's HPKE key is NOT wiped: the joined group state goes on using that buffer.
   */
  wipeInitKey(): void {
    this.#priv.initPrivateKey.fill(0);
  }
}

function keyPackageOf(bytes: Uint8Array): KeyPackage {
  const m = decodeWhole(bytes);
  if (m.wireformat !== 'mls_key_package') throw remoteError('DECODE_ERROR', `expected an mls_key_package, got ${m.wireformat}`);
  return m.keyPackage;
}

/** The credential identity and signature key a KeyPackage claims (not yet verified). */
export function keyPackageLeaf(bytes: Uint8Array): { credentialIdentity: Uint8Array; signatureKey: Uint8Array; suite: string } {
  const kp = keyPackageOf(bytes);
  if (kp.leafNode.credential.credentialType !== 'basic') throw remoteError('GROUP_CREDENTIAL_INVALID', 'the KeyPackage credential is not basic');
  return { credentialIdentity: kp.leafNode.credential.identity, signatureKey: kp.leafNode.signaturePublicKey, suite: kp.cipherSuite };
}

// ---- group operations ----

export async function mlsCreateGroup(suite: MlsSuite, groupId: Uint8Array, kp: MlsKeyPackage, check: CredentialCheck): Promise<MlsGroupState> {
  const [pub, priv] = MlsKeyPackage.parts(kp);
  return wrap(await guard(() => createGroup(groupId, pub, priv, [], implOf(suite), clientConfig(check))));
}

export interface MlsCommitChange {
  /** KeyPackages (mls_key_package MLSMessages) to add. */
  readonly add?: readonly Uint8Array[];
  /** Leaf indexes to remove. */
  readonly remove?: readonly number[];
}

export interface MlsCommitResult {
  /** The state after the commit: keep it only once the commit was accepted (§5). */
  readonly state: MlsGroupState;
  readonly commit: Uint8Array;
  readonly welcome?: Uint8Array;
  readonly spent: Spent;
}

/** A commit of the given changes plus every proposal received so far (by reference). */
export async function mlsCommit(suite: MlsSuite, g: MlsGroupState, change: MlsCommitChange, check: CredentialCheck): Promise<MlsCommitResult> {
  const extraProposals: Proposal[] = [
    ...(change.add ?? []).map((b): Proposal => ({ proposalType: 'add', add: { keyPackage: keyPackageOf(b) } })),
    ...(change.remove ?? []).map((leaf): Proposal => ({ proposalType: 'remove', remove: { removed: leaf } })),
  ];
  const r = await guard(() => createCommit({ state: unwrap(g, check), cipherSuite: implOf(suite) }, { extraProposals, ratchetTreeExtension: true, wireAsPublicMessage: false }), 'GROUP_COMMIT_REFUSED');
  const welcome = r.welcome === undefined ? undefined : encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: r.welcome });
  return { state: wrap(r.newState), commit: asPrivate(r.commit), spent: r.consumed, ...(welcome === undefined ? {} : { welcome }) };
}

export async function mlsJoin(suite: MlsSuite, welcomeBytes: Uint8Array, kp: MlsKeyPackage, check: CredentialCheck): Promise<MlsGroupState> {
  const m = decodeWhole(welcomeBytes);
  if (m.wireformat !== 'mls_welcome') throw remoteError('DECODE_ERROR', `expected an mls_welcome, got ${m.wireformat}`);
  const [pub, priv] = MlsKeyPackage.parts(kp);
  return wrap(await guard(() => joinGroup(m.welcome, pub, priv, emptyPskIndex, implOf(suite), undefined, undefined, clientConfig(check))));
}

export type MlsProposal = { readonly kind: 'remove'; readonly leaf: number } | { readonly kind: 'add'; readonly keyPackage: Uint8Array };

export async function mlsPropose(suite: MlsSuite, g: MlsGroupState, p: MlsProposal, check: CredentialCheck): Promise<{ state: MlsGroupState; message: Uint8Array; spent: Spent }> {
  const proposal: Proposal = p.kind === 'remove' ? { proposalType: 'remove', remove: { removed: p.leaf } } : { proposalType: 'add', add: { keyPackage: keyPackageOf(p.keyPackage) } };
  const r = await guard(() => createProposal(unwrap(g, check), false, proposal, implOf(suite)));
  return { state: wrap(r.newState), message: asPrivate(r.message), spent: r.consumed };
}

export async function mlsEncrypt(suite: MlsSuite, g: MlsGroupState, plaintext: Uint8Array, check: CredentialCheck): Promise<{ state: MlsGroupState; message: Uint8Array; spent: Spent }> {
  const r = await guard(() => createApplicationMessage(unwrap(g, check), plaintext, implOf(suite)));
  return { state: wrap(r.newState), message: privateBytes(r.privateMessage), spent: r.consumed };
}

/** What the caller is asked about an incoming commit or proposal before it is applied. */
export type MlsIncoming =
  | { readonly kind: 'commit'; readonly senderLeaf: number | undefined; readonly proposals: readonly MlsProposalSeen[] }
  | { readonly kind: 'proposal'; readonly proposal: MlsProposalSeen };
export type MlsProposalSeen = { readonly type: 'add' | 'remove' | 'update' | 'other'; readonly senderLeaf: number | undefined; readonly removedLeaf?: number };
export type MlsDecision = (incoming: MlsIncoming) => 'accept' | 'reject';

export type MlsProcessed =
  | { readonly kind: 'application'; readonly state: MlsGroupState; readonly sender: MlsLeaf; readonly plaintext: Uint8Array; readonly spent: Spent }
  | { readonly kind: 'handshake'; readonly state: MlsGroupState; readonly accepted: boolean; readonly spent: Spent };

function seen(p: { proposal: Proposal; senderLeafIndex: number | undefined }): MlsProposalSeen {
  const t = p.proposal.proposalType;
  if (t === 'remove') return { type: 'remove', senderLeaf: p.senderLeafIndex, removedLeaf: p.proposal.remove.removed };
  return { type: t === 'add' || t === 'update' ? t : 'other', senderLeaf: p.senderLeafIndex };
}

/**
 * Processes one incoming mls_private_message. For an application message, the sender's leaf
 * is learnt by opening the message once more on the unchanged state (ts-mls's result does not
 * carry it): `unprotectPrivateMessage` is pure, so this costs one extra AEAD open and
 * signature check and changes nothing.
 */
export async function mlsProcess(suite: MlsSuite, g: MlsGroupState, bytes: Uint8Array, check: CredentialCheck, decide: MlsDecision): Promise<MlsProcessed> {
  const pm = privateMessageOf(bytes);
  const state = unwrap(g, check);
  const cs = implOf(suite);
  if (pm.contentType === 'application') {
    const sender = await guard(async () => {
      const data = pm.epoch === state.groupContext.epoch ? state : state.historicalReceiverData.get(pm.epoch);
      if (data === undefined) throw remoteError('GROUP_WRONG_EPOCH', `no keys for epoch ${pm.epoch}`);
      const secret = 'keySchedule' in data ? data.keySchedule.senderDataSecret : data.senderDataSecret;
      const r = await unprotectPrivateMessage(secret, pm, data.secretTree, data.ratchetTree, data.groupContext, state.clientConfig.keyRetentionConfig, cs);
      const from = r.content.content.sender;
      if (from.senderType !== 'member') throw remoteError('GROUP_AUTH_FAILED', 'application message from a non-member');
      // The sender as it was in the message's epoch (it may have left since).
      const node = data.ratchetTree[from.leafIndex * 2];
      if (node?.nodeType !== 'leaf' || node.leaf.credential.credentialType !== 'basic') throw remoteError('GROUP_AUTH_FAILED', 'application message from a blank leaf');
      const leaf: MlsLeaf = { leaf: from.leafIndex, credentialIdentity: node.leaf.credential.identity, signatureKey: node.leaf.signaturePublicKey };
      return leaf;
    });
    const r = await guard(() => processPrivateMessage(state, pm, emptyPskIndex, cs));
    if (r.kind !== 'applicationMessage') throw localError('INTERNAL', 'an application message processed as a handshake message');
    return { kind: 'application', state: wrap(r.newState), sender, plaintext: r.message, spent: r.consumed };
  }
  const r = await guard(() =>
    processPrivateMessage(state, pm, emptyPskIndex, cs, (incoming): IncomingMessageAction => {
      if (incoming.kind === 'commit') return decide({ kind: 'commit', senderLeaf: incoming.senderLeafIndex, proposals: incoming.proposals.map(seen) });
      return decide({ kind: 'proposal', proposal: seen(incoming.proposal) });
    }),
  );
  if (r.kind !== 'newState') throw localError('INTERNAL', 'a handshake message processed as an application message');
  return { kind: 'handshake', state: wrap(r.newState), accepted: r.actionTaken === 'accept', spent: r.consumed };
}

// ---- RFC 9420 labelled crypto, for the official test vectors (crypto-basics) ----

/** The suite's labelled functions (RFC 9420 §5.1–5.2, §8), exposed for the vector test. */
export function labelledCrypto(suite: MlsSuite): {
  refHash(label: string, value: Uint8Array): Promise<Uint8Array>;
  expandWithLabel(secret: Uint8Array, label: string, context: Uint8Array, length: number): Promise<Uint8Array>;
  deriveSecret(secret: Uint8Array, label: string): Promise<Uint8Array>;
  deriveTreeSecret(secret: Uint8Array, label: string, generation: number, length: number): Promise<Uint8Array>;
  signWithLabel(key: Uint8Array, label: string, content: Uint8Array): Promise<Uint8Array>;
  verifyWithLabel(pub: Uint8Array, label: string, content: Uint8Array, sig: Uint8Array): Promise<boolean>;
} {
  const cs = implOf(suite);
  return {
    refHash: (label, value) => refhash(label, value, cs.hash),
    expandWithLabel: (secret, label, context, length) => expandWithLabel(secret, label, context, length, cs.kdf),
    deriveSecret: (secret, label) => deriveSecret(secret, label, cs.kdf),
    deriveTreeSecret: (secret, label, generation, length) => deriveTreeSecret(secret, label, generation, length, cs.kdf),
    signWithLabel: (key, label, content) => signWithLabel(key, label, content, cs.signature),
    verifyWithLabel: (pub, label, content, sig) => verifyWithLabel(pub, label, content, sig, cs.signature),
  };
}
