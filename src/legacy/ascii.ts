/** The short ASCII messages of v0 (legacy-v0.md steps 1, 5–9), byte for byte. */
export const HELLO = 'hello:None';
export const ACK_AUTH = 'ack:Authentication successful';
export const NACK_FORMAT = 'nack:Invalid message format';
export const NACK_RESPONSE = 'nack:Invalid response';
export const CHALLENGE_PREFIX = 'challenge:';
export const RESPONSE_PREFIX = 'response:';
export const AUTH_PREFIX = 'Auth:';
