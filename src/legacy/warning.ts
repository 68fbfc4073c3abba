/** The warning every use of the v0 bridge prints (legacy-v0.md "Why v0 is weak"). */
export const LEGACY_WARNING =
  'WARNING: legacy mode speaks the original SecureChat v0 protocol, which is NOT secure. ' +
  'Anyone who records a session can test password guesses offline (the challenge and its ' +
  'SHA-256 response travel in the clear). The Diffie-Hellman exchange is unauthenticated and ' +
  'not bound to the password check, so a man in the middle can relay the handshake and read ' +
  'and alter the message. There is no MAC on the message (CRC32 is not a MAC), the 1024-bit ' +
  'DH group is too small, and the IV is fixed for the session. Use it only to reach someone ' +
  'still running the original program, and move them to SecureChat v1.';
