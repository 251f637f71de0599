import type { StoredRefreshToken, StoredSigningKey, StoredUser, TokenSubject } from "../../core/store.js";

/** The user columns every SQL store selects, as {@link readUserRow} reads them. */
export const USER_COLUMNS =
  "username, email, full_name, disabled, scopes, password_hash, tokens_valid_after, created_at, updated_at";

/** The signing key columns every SQL store selects. */
export const KEY_COLUMNS = "kid, algorithm, private_key, public_key, created_at, superseded_at";

/**
 * The refresh token columns every SQL store selects from `refresh_tokens t`, its family `f`
 * and the owner `u`, plus the family's `revoked_at`.
 */
export const REFRESH_TOKEN_COLUMNS =
  "t.token_hash, t.family_id, u.username, f.client_id, f.scope, t.issued_at, t.expires_at, t.used_at, f.revoked_at";

/** Scopes as stored: a JSON array, so no scope spelling can ever split or merge two scopes. */
export function encodeScopes(scopes: readonly string[]): string {
  return JSON.stringify(scopes);
}

/**
 * Narrows a database row to a {@link StoredUser}.
 * @throws Error when the row does not have the shape the migrations create (a corrupt or foreign database).
 */
export function readUserRow(row: unknown): StoredUser {
  if (typeof row !== "object" || row === null) throw malformed("users");
  const r = row as Record<string, unknown>;
  const { username, email, full_name, disabled, password_hash, tokens_valid_after, created_at, updated_at } = r;
  if (
    typeof username !== "string" ||
    typeof email !== "string" ||
    typeof full_name !== "string" ||
    (disabled !== 0 && disabled !== 1 && typeof disabled !== "boolean") ||
    typeof password_hash !== "string" ||
    typeof tokens_valid_after !== "number" ||
    typeof created_at !== "number" ||
    typeof updated_at !== "number"
  ) {
    throw malformed("users");
  }
  return {
    username,
    email,
    fullName: full_name,
    disabled: disabled === 1 || disabled === true,
    scopes: decodeScopes(r.scopes),
    passwordHash: password_hash,
    tokensValidAfter: tokens_valid_after,
    createdAt: created_at,
    updatedAt: updated_at,
  };
}

/**
 * Narrows a row of {@link USER_COLUMNS} plus a `revoked` flag (SQLite's 0/1 or a boolean)
 * to a {@link TokenSubject}.
 * @throws Error when the row does not have the expected shape.
 */
export function readTokenSubjectRow(row: unknown): TokenSubject {
  const revoked = typeof row === "object" && row !== null ? (row as Record<string, unknown>).revoked : undefined;
  if (revoked !== 0 && revoked !== 1 && typeof revoked !== "boolean") throw malformed("users");
  return { user: readUserRow(row), revoked: revoked === 1 || revoked === true };
}

/**
 * Reads the `username_key` a page query selects beside {@link USER_COLUMNS}, for the next cursor.
 * @throws Error when the row has none.
 */
export function readUsernameKey(row: unknown): string {
  const key = typeof row === "object" && row !== null ? (row as Record<string, unknown>).username_key : undefined;
  if (typeof key !== "string") throw malformed("users");
  return key;
}

/**
 * Narrows a database row to a {@link StoredSigningKey}.
 * @throws Error when the row does not have the shape the migrations create.
 */
export function readKeyRow(row: unknown): StoredSigningKey {
  if (typeof row !== "object" || row === null) throw malformed("signing_keys");
  const { kid, algorithm, private_key, public_key, created_at, superseded_at } = row as Record<string, unknown>;
  if (
    typeof kid !== "string" ||
    typeof algorithm !== "string" ||
    typeof private_key !== "string" ||
    typeof public_key !== "string" ||
    typeof created_at !== "number" ||
    (superseded_at !== null && typeof superseded_at !== "number")
  ) {
    throw malformed("signing_keys");
  }
  return {
    kid,
    algorithm,
    privateKey: private_key,
    publicKey: public_key,
    createdAt: created_at,
    supersededAt: superseded_at,
  };
}

/** A refresh token row with its family's revocation instant. */
export interface RefreshTokenRow {
  token: StoredRefreshToken;
  revokedAt: number | null;
}

/**
 * Narrows a row selected with {@link REFRESH_TOKEN_COLUMNS}.
 * @throws Error when the row does not have the shape the migrations create.
 */
export function readRefreshTokenRow(row: unknown): RefreshTokenRow {
  if (typeof row !== "object" || row === null) throw malformed("refresh_tokens");
  const { token_hash, family_id, username, client_id, scope, issued_at, expires_at, used_at, revoked_at } =
    row as Record<string, unknown>;
  if (
    typeof token_hash !== "string" ||
    typeof family_id !== "string" ||
    typeof username !== "string" ||
    (client_id !== null && typeof client_id !== "string") ||
    typeof scope !== "string" ||
    typeof issued_at !== "number" ||
    typeof expires_at !== "number" ||
    (used_at !== null && typeof used_at !== "number") ||
    (revoked_at !== null && typeof revoked_at !== "number")
  ) {
    throw malformed("refresh_tokens");
  }
  return {
    token: {
      tokenHash: token_hash,
      familyId: family_id,
      username,
      clientId: client_id,
      scope,
      issuedAt: issued_at,
      expiresAt: expires_at,
      usedAt: used_at,
    },
    revokedAt: revoked_at,
  };
}

function decodeScopes(value: unknown): string[] {
  const scopes: unknown = typeof value === "string" ? JSON.parse(value) : value;
  if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === "string")) throw malformed("users");
  return scopes;
}

function malformed(table: string): Error {
  return new Error(`a row of ${table} does not have the expected shape`);
}
