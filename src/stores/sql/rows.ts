import type { AuditActor, AuditEventType } from "../../core/audit/audit-event.js";
import type {
  AuditEvent,
  StoredRefreshToken,
  StoredSession,
  StoredSigningKey,
  StoredUser,
  TokenSubject,
  WebhookDelivery,
} from "../../core/store.js";
import { sessionAmr } from "../session-amr.js";

/** The user columns every SQL store selects, as {@link readUserRow} reads them. */
export const USER_COLUMNS =
  "username, email, email_verified, full_name, disabled, scopes, password_hash, profile, tokens_valid_after, created_at, updated_at, mfa_enabled";

/** The signing key columns every SQL store selects. */
export const KEY_COLUMNS = "kid, algorithm, private_key, public_key, created_at, superseded_at";

/**
 * The refresh token columns every SQL store selects from `refresh_tokens t`, its family `f`
 * and the owner `u`, plus the family's `revoked_at`.
 */
export const REFRESH_TOKEN_COLUMNS = `t.token_hash, t.family_id, u.username, f.client_id, f.scope, t.issued_at,
  t.expires_at, t.used_at, t.successor_hash, f.created_at AS session_created_at, f.revoked_at, f.amr`;

/** The session columns every SQL store selects from `refresh_families f` and the owner `u`. */
export const SESSION_COLUMNS =
  "f.family_id, u.username, f.client_id, f.scope, f.created_at, f.last_used_at, f.expires_at, f.ip, f.user_agent, f.amr";

/** Scopes as stored: a JSON array, so no scope spelling can ever split or merge two scopes. */
export function encodeScopes(scopes: readonly string[]): string {
  return encodeStringArray(scopes);
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
    !isFlag(r.email_verified) ||
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
    emailVerified: r.email_verified === 1 || r.email_verified === true,
    fullName: full_name,
    disabled: disabled === 1 || disabled === true,
    scopes: decodeScopes(r.scopes),
    passwordHash: password_hash,
    profile: decodeProfile(r.profile),
    tokensValidAfter: tokens_valid_after,
    createdAt: created_at,
    updatedAt: updated_at,
    // Present only when on, so a user without a factor reads as it did before second factors.
    ...(r.mfa_enabled === 1 || r.mfa_enabled === true ? { mfaEnabled: true } : {}),
  };
}

/** A profile as stored: JSON text (SQLite) or already parsed jsonb (PostgreSQL). */
function decodeProfile(value: unknown): Record<string, unknown> {
  const parsed = typeof value === "string" ? (JSON.parse(value) as unknown) : value;
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw malformed("users");
  return parsed as Record<string, unknown>;
}

/** Profiles as stored: JSON text. */
export function encodeProfile(profile: Readonly<Record<string, unknown>> | undefined): string {
  return JSON.stringify(profile ?? {});
}

/** SQLite's 0/1 or PostgreSQL's boolean. */
function isFlag(value: unknown): boolean {
  return value === 0 || value === 1 || typeof value === "boolean";
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
  const r = row as Record<string, unknown>;
  const { token_hash, family_id, username, client_id, scope, issued_at, expires_at, used_at } = r;
  const { successor_hash, session_created_at, revoked_at } = r;
  if (
    typeof token_hash !== "string" ||
    typeof family_id !== "string" ||
    typeof username !== "string" ||
    !isNullableString(client_id) ||
    typeof scope !== "string" ||
    typeof issued_at !== "number" ||
    typeof expires_at !== "number" ||
    !isNullableNumber(used_at) ||
    !isNullableString(successor_hash) ||
    typeof session_created_at !== "number" ||
    !isNullableNumber(revoked_at)
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
      sessionCreatedAt: session_created_at,
      successorHash: successor_hash,
      ...sessionAmr(decodeStringArray(r.amr, "refresh_families")),
    },
    revokedAt: revoked_at,
  };
}

/**
 * Narrows a row selected with {@link SESSION_COLUMNS}.
 * @throws Error when the row does not have the shape the migrations create.
 */
export function readSessionRow(row: unknown): StoredSession {
  if (typeof row !== "object" || row === null) throw malformed("refresh_families");
  const r = row as Record<string, unknown>;
  const { family_id, username, client_id, scope, created_at, last_used_at, expires_at, ip, user_agent } = r;
  if (
    typeof family_id !== "string" ||
    typeof username !== "string" ||
    !isNullableString(client_id) ||
    typeof scope !== "string" ||
    typeof created_at !== "number" ||
    !isNullableNumber(last_used_at) ||
    typeof expires_at !== "number" ||
    !isNullableString(ip) ||
    !isNullableString(user_agent)
  ) {
    throw malformed("refresh_families");
  }
  return {
    id: family_id,
    username,
    clientId: client_id,
    scope,
    createdAt: created_at,
    lastUsedAt: last_used_at ?? created_at,
    expiresAt: expires_at,
    ip,
    userAgent: user_agent,
    amr: decodeStringArray(r.amr, "refresh_families"),
  };
}

/** The audit event columns every SQL store selects, plus `seq` for the page cursor. */
export const AUDIT_EVENT_COLUMNS = "seq, id, time, type, username, actor, ip, user_agent, session_id, details";

/** An audit event row with its order of recording. */
export interface AuditEventRow {
  seq: number;
  event: AuditEvent;
}

/**
 * Narrows a row selected with {@link AUDIT_EVENT_COLUMNS}.
 * @throws Error when the row does not have the shape the migrations create.
 */
export function readAuditEventRow(row: unknown): AuditEventRow {
  if (typeof row !== "object" || row === null) throw malformed("audit_events");
  const { seq, id, time, type, username, actor, ip, user_agent, session_id, details } = row as Record<string, unknown>;
  const parsed: unknown = typeof details === "string" ? JSON.parse(details) : details;
  if (
    typeof seq !== "number" ||
    typeof id !== "string" ||
    typeof time !== "number" ||
    typeof type !== "string" ||
    !isNullableString(username) ||
    typeof actor !== "string" ||
    !isNullableString(ip) ||
    !isNullableString(user_agent) ||
    !isNullableString(session_id) ||
    typeof parsed !== "object" ||
    parsed === null ||
    Array.isArray(parsed)
  ) {
    throw malformed("audit_events");
  }
  return {
    seq,
    event: {
      id,
      time,
      // Written only by this code from the closed list of types and actors.
      type: type as AuditEventType,
      username,
      actor: actor as AuditActor,
      ip,
      userAgent: user_agent,
      sessionId: session_id,
      details: parsed as Record<string, unknown>,
    },
  };
}

/** The outbox columns every SQL store selects for a claimed delivery. */
export const WEBHOOK_DELIVERY_COLUMNS = "id, event_id, payload, attempts, created_at";

/**
 * Narrows a row selected with {@link WEBHOOK_DELIVERY_COLUMNS}.
 * @throws Error when the row does not have the shape the migrations create.
 */
export function readWebhookDeliveryRow(row: unknown): WebhookDelivery {
  if (typeof row !== "object" || row === null) throw malformed("webhook_outbox");
  const { id, event_id, payload, attempts, created_at } = row as Record<string, unknown>;
  if (
    typeof id !== "number" ||
    typeof event_id !== "string" ||
    typeof payload !== "string" ||
    typeof attempts !== "number" ||
    typeof created_at !== "number"
  ) {
    throw malformed("webhook_outbox");
  }
  return { id, eventId: event_id, payload, attempts, createdAt: created_at };
}

/** Encodes a list of strings (scopes, amr) as its JSON array column. */
export function encodeStringArray(values: readonly string[]): string {
  return JSON.stringify(values);
}

function isNullableString(value: unknown): value is string | null {
  return value === null || typeof value === "string";
}

function isNullableNumber(value: unknown): value is number | null {
  return value === null || typeof value === "number";
}

function decodeScopes(value: unknown): string[] {
  return decodeStringArray(value, "users");
}

/** A JSON array of strings: SQLite's text, or PostgreSQL's JSONB already parsed by the driver. */
function decodeStringArray(value: unknown, table: string): string[] {
  const values: unknown = typeof value === "string" ? JSON.parse(value) : value;
  if (!Array.isArray(values) || !values.every((item) => typeof item === "string")) throw malformed(table);
  return values;
}

function malformed(table: string): Error {
  return new Error(`a row of ${table} does not have the expected shape`);
}
