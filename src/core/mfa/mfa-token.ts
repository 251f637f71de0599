import { createHash, randomBytes } from "node:crypto";

/** How long the second login step may take: five minutes. */
export const MFA_TOKEN_TTL_MS = 5 * 60 * 1000;
/** Wrong codes an `mfa_token` survives; the fifth kills it. */
export const MFA_TOKEN_MAX_FAILURES = 5;
const PREFIX = "gh_mfa_";
const PATTERN = /^gh_mfa_[A-Za-z0-9_-]{43}$/;

/** A new opaque `mfa_token` and the hash it is stored under (the token itself never is). */
export function generateMfaToken(): { token: string; tokenHash: string } {
  const token = `${PREFIX}${randomBytes(32).toString("base64url")}`;
  return { token, tokenHash: hashMfaToken(token) };
}

/** SHA-256, enough for a 256-bit random token. */
export function hashMfaToken(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

/** True when the string has the shape of an `mfa_token`. */
export function looksLikeMfaToken(token: string): boolean {
  return PATTERN.test(token);
}
