/**
 * src/identity: the home directory, the local identity key, the user's own OPAQUE account,
 * known peers (TOFU), safety numbers and the users file. Depends only on crypto, errors and
 * limits. Layout and modes: docs/STORAGE.md.
 */
export { atomicWriteFile, atomicCreateFile, readJsonFile, readJsonFileIfExists, ensurePrivateDir, DIR_MODE, FILE_MODE, MAX_STATE_FILE_BYTES } from './storage.js';
export { resolveHome, userPaths, userDir, ensureUserDir, listLocalUsers, findUsersFile, HOME_ENV, DEFAULT_HOME_NAME, type HomeOptions, type UserPaths } from './home.js';
export { isValidUsername, usernameProblem, USERNAME_RULE } from './username.js';
export { keyFingerprint, formatFingerprint, parseFingerprint, type Fingerprint } from './fingerprint.js';
export { loadIdentity, loadOrCreateIdentity, type IdentityKey } from './identity-key.js';
export { registerAccount, loadAccount, hasAccount, type Account, type RegisterOptions } from './account.js';
export { checkPeer, isChanged, listPeers, EMPTY_KNOWN_PEERS, type Direction, type KnownPeers, type PeerCheck, type PeerRecord, type PreviousKey } from './known-peers.js';
export { loadKnownPeers, pinPeer, markVerified, trustNewKey, forgetPeer, peerKeyChangedError } from './known-peers-file.js';
export { safetyNumber, safetyNumberMatches, SAFETY_NUMBER_ITERATIONS, type Party, type SafetyNumber } from './safety-number.js';
export {
  checkUsers,
  validateUsers,
  findUser,
  findUserByPort,
  findUserByAddress,
  entryPassword,
  formatAddress,
  STRIP_COMMAND,
  type UserEntry,
  type UsersFile,
  type UsersCheck,
} from './users-file.js';
export { loadUsersFile, addUser, removeUser, stripPasswords, type NewUser } from './users-file-io.js';
