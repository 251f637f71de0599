import type { AccountTokenPurpose, ConsumedAccountToken } from "../core/store.js";

/** Account mail counts are kept this long: the longest rate-limit window (the daily under-attack notice). */
export const ACCOUNT_MAIL_RETENTION_MS = 24 * 3600 * 1000;

/** Most users one e-mail lookup returns, whatever the caller asks. */
export const MAX_USERS_BY_EMAIL = 100;

/**
 * Checks the arguments of `reserveAccountMail` the same way in every store.
 * @throws TypeError for a window longer than the counts are kept, or a non-positive limit.
 */
export function checkMailWindow(windowMs: number, max: number): void {
  if (!Number.isInteger(windowMs) || windowMs < 1 || windowMs > ACCOUNT_MAIL_RETENTION_MS)
    throw new TypeError(`the mail window must be 1–${ACCOUNT_MAIL_RETENTION_MS} milliseconds`);
  if (!Number.isInteger(max) || max < 1) throw new TypeError("the mail limit must be a positive whole number");
}

/**
 * Narrows a row of a consumed account token (`username, purpose, email, created_at, expires_at`).
 * @throws Error when the row does not have the expected shape.
 */
export function readConsumedTokenRow(row: unknown): ConsumedAccountToken {
  const r = (typeof row === "object" && row !== null ? row : {}) as Record<string, unknown>;
  const { username, purpose, email, created_at, expires_at } = r;
  if (
    typeof username !== "string" ||
    !isPurpose(purpose) ||
    (email !== null && typeof email !== "string") ||
    !isInstant(created_at) ||
    !isInstant(expires_at)
  ) {
    throw new Error("a row of account_tokens does not have the expected shape");
  }
  return { username, purpose, email, createdAt: Number(created_at), expiresAt: Number(expires_at) };
}

function isPurpose(value: unknown): value is AccountTokenPurpose {
  return value === "verify" || value === "reset" || value === "unlock";
}

// PostgreSQL returns BIGINT as a string unless the pool parses it.
function isInstant(value: unknown): boolean {
  return typeof value === "number" || (typeof value === "string" && /^\d+$/.test(value));
}
