import type { StoredMfaToken, StoredTotpFactor } from "../../core/store.js";

/**
 * Narrows a factor row (`username`, `secret_ciphertext`, `created_at`, `confirmed_at`, `last_time_step`).
 * PostgreSQL's BIGINT arrives as a string from `pg` unless parsed; both stores select numbers.
 * @throws Error when the row does not have the shape the migrations create.
 */
export function readTotpFactorRow(row: unknown): StoredTotpFactor {
  if (typeof row !== "object" || row === null) throw malformed("mfa_totp_factors");
  const { username, secret_ciphertext, created_at, confirmed_at, last_time_step } = row as Record<string, unknown>;
  if (
    typeof username !== "string" ||
    typeof secret_ciphertext !== "string" ||
    typeof created_at !== "number" ||
    !isNullableNumber(confirmed_at) ||
    !isNullableNumber(last_time_step)
  ) {
    throw malformed("mfa_totp_factors");
  }
  return {
    username,
    secretCiphertext: secret_ciphertext,
    createdAt: created_at,
    confirmedAt: confirmed_at,
    lastTimeStep: last_time_step,
  };
}

/**
 * Narrows a second-step token row.
 * @throws Error when the row does not have the shape the migrations create.
 */
export function readMfaTokenRow(row: unknown): StoredMfaToken {
  if (typeof row !== "object" || row === null) throw malformed("mfa_tokens");
  const r = row as Record<string, unknown>;
  const { token_hash, username, client_address, client_id, scope, created_at, expires_at, failures } = r;
  if (
    typeof token_hash !== "string" ||
    typeof username !== "string" ||
    typeof client_address !== "string" ||
    (client_id !== null && typeof client_id !== "string") ||
    typeof scope !== "string" ||
    typeof created_at !== "number" ||
    typeof expires_at !== "number" ||
    typeof failures !== "number"
  ) {
    throw malformed("mfa_tokens");
  }
  return {
    tokenHash: token_hash,
    username,
    clientAddress: client_address,
    clientId: client_id,
    scope,
    createdAt: created_at,
    expiresAt: expires_at,
    failures,
  };
}

function isNullableNumber(value: unknown): value is number | null {
  return value === null || typeof value === "number";
}

function malformed(table: string): Error {
  return new Error(`a row of ${table} does not have the expected shape`);
}
