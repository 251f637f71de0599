import { GatehouseError } from "../../core/errors.js";

/** Gatehouse's tables, each qualified by its schema and quoted, ready to splice into SQL. */
export interface Tables {
  readonly schema: string;
  readonly schemaMigrations: string;
  readonly users: string;
  readonly signingKeys: string;
  readonly refreshFamilies: string;
  readonly refreshTokens: string;
  readonly revokedAccessTokens: string;
  readonly changes: string;
  readonly loginAttempts: string;
  readonly serverSecrets: string;
  readonly auditEvents: string;
  readonly webhookOutbox: string;
  readonly webhookState: string;
  readonly accountTokens: string;
  readonly accountMails: string;
  /** Any other object of the schema (an index), qualified and quoted. */
  schemaQualified(name: string): string;
}

/** The schema Gatehouse's tables live in unless the caller names another. */
export const DEFAULT_SCHEMA = "gatehouse";

// Lower case only, so the name needs no case folding rules to match pg_namespace; "pg_" is reserved.
const SCHEMA_NAME = /^(?!pg_)[a-z_][a-z0-9_]{0,62}$/;

/**
 * Names the tables of a schema. Every statement qualifies its tables, so neither the
 * connection's search_path nor a connection pooler in front of the database matters, and
 * an application's own `users` table in the same database is never touched.
 * @throws GatehouseError `validation_failed` for a schema name that is not a plain lower-case identifier.
 */
export function tablesIn(schema: string): Tables {
  if (!SCHEMA_NAME.test(schema)) {
    throw new GatehouseError(
      "validation_failed",
      "schema must be a lower-case SQL identifier (letters, digits, _) of at most 63 characters, not starting with pg_",
    );
  }
  const name = (table: string) => `${quoteIdentifier(schema)}.${table}`;
  return {
    schema,
    schemaMigrations: name("schema_migrations"),
    users: name("users"),
    signingKeys: name("signing_keys"),
    refreshFamilies: name("refresh_families"),
    refreshTokens: name("refresh_tokens"),
    revokedAccessTokens: name("revoked_access_tokens"),
    changes: name("changes"),
    loginAttempts: name("login_attempts"),
    serverSecrets: name("server_secrets"),
    auditEvents: name("audit_events"),
    webhookOutbox: name("webhook_outbox"),
    webhookState: name("webhook_state"),
    accountTokens: name("account_tokens"),
    accountMails: name("account_mails"),
    schemaQualified: name,
  };
}

/** A SQL identifier in double quotes, inner quotes doubled (what `pg`'s `escapeIdentifier` does). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
