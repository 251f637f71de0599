/**
 * How long resource servers may cache the published JWKS by default: the server's `max-age`,
 * the remote verifier's default cache lifetime, and how long a new key is published before it
 * signs (docs/KEYS.md). In a file of its own so the remote verifier reads it without loading
 * the key ring's JWT library.
 */
export const JWKS_MAX_AGE_SECONDS = 300;
