import { createHash, randomBytes } from "node:crypto";

/** Length of the random part of a refresh token, in bytes (256 bits). */
const REFRESH_TOKEN_BYTES = 32;
// Opaque tokens are base64url; anything else is not ours and need not be hashed.
const REFRESH_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A new opaque refresh token and the hash under which it is stored. */
export interface NewRefreshToken {
  token: string;
  tokenHash: string;
}

/** Creates a random opaque refresh token. */
export function generateRefreshToken(): NewRefreshToken {
  const token = randomBytes(REFRESH_TOKEN_BYTES).toString("base64url");
  return { token, tokenHash: hashRefreshToken(token) };
}

/**
 * The stored form of a refresh token: SHA-256 is enough (the token has 256 bits of entropy,
 * so there is nothing to brute-force), and a leaked table yields no usable token.
 */
export function hashRefreshToken(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

/** True when the string has the shape of a Gatehouse refresh token. */
export function looksLikeRefreshToken(token: string): boolean {
  return REFRESH_TOKEN_PATTERN.test(token);
}
