import { createHash, randomBytes } from "node:crypto";
import type { AccountTokenPurpose } from "../store.js";

/**
 * How long each kind of link works, in minutes. A reset link is short (it sets a password);
 * a verification link may sit in an inbox for a day; an unlock link answers a login the owner
 * is making right now, so an hour is plenty.
 */
export const ACCOUNT_TOKEN_LIFETIME_MINUTES: Readonly<Record<AccountTokenPurpose, number>> = {
  reset: 30,
  verify: 24 * 60,
  unlock: 60,
};

/** A new one-time token: 256 random bits as base64url (what the link carries), and its hash (what the store keeps). */
export function generateAccountToken(): { token: string; tokenHash: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, tokenHash: hashAccountToken(token) };
}

/** base64url SHA-256 of a token: a stolen database yields no usable link. */
export function hashAccountToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("base64url");
}

/** True for a string shaped like {@link generateAccountToken}'s tokens; anything else is refused without a lookup. */
export function looksLikeAccountToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}
