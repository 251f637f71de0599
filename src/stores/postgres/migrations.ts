import type { Tables } from "./tables.js";

/** One step of the PostgreSQL schema; `version`s are consecutive and never change once released. */
export interface PostgresMigration {
  version: number;
  name: string;
  sql: (tables: Tables) => string;
}

/**
 * The schema, oldest step first. Add new steps at the end; never edit a released one.
 * Instants are BIGINT milliseconds, as in SQLite; `username_key` and `kid` use the "C"
 * collation so that order and uniqueness are by code point, whatever the database's locale.
 */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: "create users",
    sql: (t) => `
      CREATE TABLE ${t.users} (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        username TEXT NOT NULL,
        username_key TEXT COLLATE "C" NOT NULL,
        email TEXT NOT NULL,
        full_name TEXT NOT NULL DEFAULT '',
        disabled BOOLEAN NOT NULL DEFAULT false,
        scopes JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(scopes) = 'array'),
        password_hash TEXT NOT NULL,
        tokens_valid_after BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE UNIQUE INDEX users_username_key ON ${t.users} (username_key);
    `,
  },
  {
    version: 2,
    name: "create signing keys",
    sql: (t) => `
      CREATE TABLE ${t.signingKeys} (
        kid TEXT COLLATE "C" PRIMARY KEY,
        algorithm TEXT NOT NULL,
        private_key TEXT NOT NULL,
        public_key TEXT NOT NULL DEFAULT '',
        created_at BIGINT NOT NULL,
        superseded_at BIGINT
      );
    `,
  },
  {
    version: 3,
    name: "create refresh token families",
    // As in SQLite: a family's expires_at follows its newest token, and deleting a user
    // deletes its families and their tokens.
    sql: (t) => `
      CREATE TABLE ${t.refreshFamilies} (
        family_id TEXT PRIMARY KEY,
        user_id BIGINT NOT NULL REFERENCES ${t.users} (id) ON DELETE CASCADE,
        client_id TEXT,
        scope TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        revoked_at BIGINT
      );
      CREATE INDEX refresh_families_user ON ${t.refreshFamilies} (user_id);
      CREATE INDEX refresh_families_expiry ON ${t.refreshFamilies} (expires_at);
      CREATE TABLE ${t.refreshTokens} (
        token_hash TEXT PRIMARY KEY,
        family_id TEXT NOT NULL REFERENCES ${t.refreshFamilies} (family_id) ON DELETE CASCADE,
        issued_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        used_at BIGINT
      );
      CREATE INDEX refresh_tokens_family ON ${t.refreshTokens} (family_id);
      CREATE INDEX refresh_tokens_expiry ON ${t.refreshTokens} (expires_at);
    `,
  },
  {
    version: 4,
    name: "create revoked access tokens",
    sql: (t) => `
      CREATE TABLE ${t.revokedAccessTokens} (
        jti TEXT PRIMARY KEY,
        expires_at BIGINT NOT NULL
      );
      CREATE INDEX revoked_access_tokens_expiry ON ${t.revokedAccessTokens} (expires_at);
    `,
  },
  {
    version: 5,
    name: "create change counters",
    // One counter per database backend, so concurrent writers never wait on each other for
    // it; row 0 keeps the counts of backends that have gone (see change-counter.ts).
    sql: (t) => `
      CREATE TABLE ${t.changes} (
        backend INTEGER PRIMARY KEY CHECK (backend >= 0),
        version BIGINT NOT NULL
      );
      INSERT INTO ${t.changes} (backend, version) VALUES (0, 0);
    `,
  },
  {
    version: 6,
    name: "create login attempts",
    // Throttling counters shared by every process on the database (attempt-queries.ts): one
    // row per (kind, key), forgotten by purgeExpired once expires_at has passed.
    sql: (t) => `
      CREATE TABLE ${t.loginAttempts} (
        kind TEXT COLLATE "C" NOT NULL,
        key TEXT COLLATE "C" NOT NULL,
        count INTEGER NOT NULL CHECK (count > 0),
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (kind, key)
      );
      CREATE INDEX login_attempts_expiry ON ${t.loginAttempts} (expires_at);
    `,
  },
  {
    version: 7,
    name: "add session metadata and refresh successors",
    // As in SQLite: a family is listed as a session (latest use, address, user agent, amr), a
    // used token keeps its successor's hash so a retry within the reuse interval is told from
    // theft, and the successor key lives in server_secrets.
    sql: (t) => `
      ALTER TABLE ${t.refreshFamilies} ADD COLUMN last_used_at BIGINT;
      UPDATE ${t.refreshFamilies} SET last_used_at = created_at;
      ALTER TABLE ${t.refreshFamilies} ADD COLUMN ip TEXT;
      ALTER TABLE ${t.refreshFamilies} ADD COLUMN user_agent TEXT;
      ALTER TABLE ${t.refreshFamilies} ADD COLUMN amr JSONB NOT NULL DEFAULT '["pwd"]'
        CHECK (jsonb_typeof(amr) = 'array');
      CREATE INDEX refresh_families_user_created ON ${t.refreshFamilies} (user_id, created_at);
      DROP INDEX ${t.schemaQualified("refresh_families_user")};
      ALTER TABLE ${t.refreshTokens} ADD COLUMN successor_hash TEXT;
      CREATE TABLE ${t.serverSecrets} (
        name TEXT COLLATE "C" PRIMARY KEY,
        value TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
    `,
  },
  {
    version: 8,
    name: "create audit events",
    // As in SQLite: append-only, seq the order of recording, and each index ending in
    // (time, seq) so that any filter lists newest first from one index range.
    sql: (t) => `
      CREATE TABLE ${t.auditEvents} (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id TEXT NOT NULL,
        time BIGINT NOT NULL,
        type TEXT COLLATE "C" NOT NULL,
        username TEXT,
        username_key TEXT COLLATE "C",
        actor TEXT NOT NULL,
        ip TEXT,
        user_agent TEXT,
        session_id TEXT,
        details JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object')
      );
      CREATE INDEX audit_events_time ON ${t.auditEvents} (time, seq);
      CREATE INDEX audit_events_user ON ${t.auditEvents} (username_key, time, seq);
      CREATE INDEX audit_events_type ON ${t.auditEvents} (type, time, seq);
    `,
  },
  {
    version: 9,
    name: "create webhook outbox",
    // As in SQLite: one row per event still to be POSTed, delivered oldest first per order_key
    // (the user), claimed under a lease with FOR UPDATE SKIP LOCKED so that of several
    // instances exactly one delivers each event.
    sql: (t) => `
      CREATE TABLE ${t.webhookOutbox} (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id TEXT NOT NULL,
        order_key TEXT COLLATE "C" NOT NULL,
        payload TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        lease_owner TEXT,
        lease_until BIGINT,
        last_error TEXT
      );
      CREATE INDEX webhook_outbox_order ON ${t.webhookOutbox} (order_key, id);
      CREATE INDEX webhook_outbox_created ON ${t.webhookOutbox} (created_at);
      CREATE TABLE ${t.webhookState} (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        enabled BOOLEAN NOT NULL
      );
      INSERT INTO ${t.webhookState} (id, enabled) VALUES (1, false);
    `,
  },
  {
    version: 10,
    name: "create account tokens and mail counts",
    // As in SQLite: existing e-mail unverified, one live token per user and purpose, and a
    // trigger that kills a reset link when the password changes and a verification link when
    // the e-mail does.
    sql: (t) => `
      ALTER TABLE ${t.users} ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT false;
      CREATE INDEX users_email ON ${t.users} (lower(email));
      CREATE TABLE ${t.accountTokens} (
        user_id BIGINT NOT NULL REFERENCES ${t.users} (id) ON DELETE CASCADE,
        purpose TEXT COLLATE "C" NOT NULL CHECK (purpose IN ('verify', 'reset', 'unlock')),
        token_hash TEXT COLLATE "C" NOT NULL,
        email TEXT,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, purpose)
      );
      CREATE UNIQUE INDEX account_tokens_hash ON ${t.accountTokens} (token_hash);
      CREATE INDEX account_tokens_expiry ON ${t.accountTokens} (expires_at);
      CREATE TABLE ${t.accountMails} (
        user_id BIGINT NOT NULL REFERENCES ${t.users} (id) ON DELETE CASCADE,
        kind TEXT COLLATE "C" NOT NULL,
        sent_at BIGINT NOT NULL
      );
      CREATE INDEX account_mails_user ON ${t.accountMails} (user_id, kind, sent_at);
      CREATE INDEX account_mails_sent ON ${t.accountMails} (sent_at);
      CREATE FUNCTION ${t.schemaQualified("kill_account_tokens")}() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF NEW.password_hash IS DISTINCT FROM OLD.password_hash THEN
          DELETE FROM ${t.accountTokens} WHERE user_id = NEW.id AND purpose = 'reset';
        END IF;
        IF NEW.email IS DISTINCT FROM OLD.email THEN
          DELETE FROM ${t.accountTokens} WHERE user_id = NEW.id AND purpose = 'verify';
        END IF;
        RETURN NEW;
      END
      $fn$;
      CREATE TRIGGER users_kill_account_tokens AFTER UPDATE OF password_hash, email ON ${t.users}
        FOR EACH ROW EXECUTE PROCEDURE ${t.schemaQualified("kill_account_tokens")}();
    `,
  },
  {
    version: 11,
    name: "create second factors",
    // As in SQLite: one sealed TOTP factor per user, recovery codes and second-step tokens as
    // hashes only, and users.mfa_enabled kept with the factor in one transaction.
    sql: (t) => `
      ALTER TABLE ${t.users} ADD COLUMN mfa_enabled BOOLEAN NOT NULL DEFAULT false;
      CREATE TABLE ${t.schemaQualified("mfa_totp_factors")} (
        user_id BIGINT PRIMARY KEY REFERENCES ${t.users} (id) ON DELETE CASCADE,
        secret_ciphertext TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        confirmed_at BIGINT,
        last_time_step BIGINT
      );
      CREATE TABLE ${t.schemaQualified("mfa_recovery_codes")} (
        user_id BIGINT NOT NULL REFERENCES ${t.users} (id) ON DELETE CASCADE,
        code_hash TEXT COLLATE "C" NOT NULL,
        used_at BIGINT,
        PRIMARY KEY (user_id, code_hash)
      );
      CREATE TABLE ${t.schemaQualified("mfa_tokens")} (
        token_hash TEXT COLLATE "C" PRIMARY KEY,
        user_id BIGINT NOT NULL REFERENCES ${t.users} (id) ON DELETE CASCADE,
        client_address TEXT NOT NULL,
        client_id TEXT,
        scope TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX mfa_tokens_user ON ${t.schemaQualified("mfa_tokens")} (user_id);
      CREATE INDEX mfa_tokens_expiry ON ${t.schemaQualified("mfa_tokens")} (expires_at);
    `,
  },
  {
    version: 12,
    name: "add user profiles",
    sql: (t) => `ALTER TABLE ${t.users} ADD COLUMN profile JSONB NOT NULL DEFAULT '{}'::jsonb;`,
  },
];

/** The schema version this code writes and expects. */
export const LATEST_POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.at(-1)?.version ?? 0;
