import type { Database } from "better-sqlite3";
import { GatehouseError } from "../../core/errors.js";

/** One step of the schema; `version`s are consecutive and never change once released. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The schema, oldest step first. Add new steps at the end; never edit a released one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "create users",
    // `id` is what refresh families hang off, so deleting a user deletes its sessions (ON DELETE CASCADE).
    sql: `
      CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL,
        username_key TEXT NOT NULL,
        email TEXT NOT NULL,
        full_name TEXT NOT NULL DEFAULT '',
        disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
        scopes TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(scopes)),
        password_hash TEXT NOT NULL,
        tokens_valid_after INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX users_username_key ON users (username_key);
    `,
  },
  {
    version: 2,
    name: "create signing keys",
    sql: `
      CREATE TABLE signing_keys (
        kid TEXT PRIMARY KEY,
        algorithm TEXT NOT NULL,
        private_key TEXT NOT NULL,
        public_key TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        superseded_at INTEGER
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: "create refresh token families",
    // A family is one login session. Its expires_at follows its newest token, so a family
    // outlives every access token that names it as `sid` and can be purged with its tokens.
    sql: `
      CREATE TABLE refresh_families (
        family_id TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        client_id TEXT,
        scope TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) STRICT;
      CREATE INDEX refresh_families_user ON refresh_families (user_id);
      CREATE INDEX refresh_families_expiry ON refresh_families (expires_at);
      CREATE TABLE refresh_tokens (
        token_hash TEXT PRIMARY KEY,
        family_id TEXT NOT NULL REFERENCES refresh_families (family_id) ON DELETE CASCADE,
        issued_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
      CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);
    `,
  },
  {
    version: 4,
    name: "create revoked access tokens",
    sql: `
      CREATE TABLE revoked_access_tokens (
        jti TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX revoked_access_tokens_expiry ON revoked_access_tokens (expires_at);
    `,
  },
  {
    version: 5,
    name: "add session metadata and refresh successors",
    // A family is listed as a session: its latest use, address and user agent, and how the
    // login authenticated. A used token keeps the hash of its successor, so a retry within the
    // reuse interval is told from theft. The successor key lives in server_secrets.
    sql: `
      ALTER TABLE refresh_families ADD COLUMN last_used_at INTEGER;
      UPDATE refresh_families SET last_used_at = created_at;
      ALTER TABLE refresh_families ADD COLUMN ip TEXT;
      ALTER TABLE refresh_families ADD COLUMN user_agent TEXT;
      ALTER TABLE refresh_families ADD COLUMN amr TEXT NOT NULL DEFAULT '["pwd"]' CHECK (json_valid(amr));
      CREATE INDEX refresh_families_user_created ON refresh_families (user_id, created_at);
      DROP INDEX refresh_families_user;
      ALTER TABLE refresh_tokens ADD COLUMN successor_hash TEXT;
      CREATE TABLE server_secrets (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 6,
    name: "create audit events",
    // Append-only. seq is the order of recording (the rowid, so every index below ends in it
    // and serves "newest first" as a backward scan); username_key is the case-folded user the
    // event is about, for per-user listing that stays one index range however large the table.
    sql: `
      CREATE TABLE audit_events (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        time INTEGER NOT NULL,
        type TEXT NOT NULL,
        username TEXT,
        username_key TEXT,
        actor TEXT NOT NULL,
        ip TEXT,
        user_agent TEXT,
        session_id TEXT,
        details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details))
      ) STRICT;
      CREATE INDEX audit_events_time ON audit_events (time);
      CREATE INDEX audit_events_user ON audit_events (username_key, time);
      CREATE INDEX audit_events_type ON audit_events (type, time);
    `,
  },
  {
    version: 7,
    name: "create webhook outbox",
    // One row per audit event still to be POSTed, queued in the event's transaction while
    // webhook_state says delivery is on. order_key is the user's case-folded name ('' for events
    // about no user): only the oldest row of a key may be delivered, so each user's events go
    // out in order. lease_owner/lease_until make a claimed row one process's alone for a while.
    sql: `
      CREATE TABLE webhook_outbox (
        id INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL,
        order_key TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        lease_owner TEXT,
        lease_until INTEGER,
        last_error TEXT
      ) STRICT;
      CREATE INDEX webhook_outbox_order ON webhook_outbox (order_key, id);
      CREATE INDEX webhook_outbox_created ON webhook_outbox (created_at);
      CREATE TABLE webhook_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        enabled INTEGER NOT NULL CHECK (enabled IN (0, 1))
      ) STRICT;
      INSERT INTO webhook_state (id, enabled) VALUES (1, 0);
    `,
  },
  {
    version: 8,
    name: "create account tokens and mail counts",
    // Existing users' e-mail counts as unverified. One live token per user and purpose (the
    // primary key), found by its hash; the triggers kill a reset link when the password
    // changes and a verification link when the e-mail does, whichever code path writes.
    sql: `
      ALTER TABLE users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0 CHECK (email_verified IN (0, 1));
      CREATE INDEX users_email ON users (lower(email));
      CREATE TABLE account_tokens (
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        purpose TEXT NOT NULL CHECK (purpose IN ('verify', 'reset', 'unlock')),
        token_hash TEXT NOT NULL,
        email TEXT,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, purpose)
      ) STRICT;
      CREATE UNIQUE INDEX account_tokens_hash ON account_tokens (token_hash);
      CREATE INDEX account_tokens_expiry ON account_tokens (expires_at);
      CREATE TABLE account_mails (
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        sent_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX account_mails_user ON account_mails (user_id, kind, sent_at);
      CREATE INDEX account_mails_sent ON account_mails (sent_at);
      CREATE TRIGGER users_password_kills_reset AFTER UPDATE OF password_hash ON users
        WHEN NEW.password_hash IS NOT OLD.password_hash
        BEGIN DELETE FROM account_tokens WHERE user_id = NEW.id AND purpose = 'reset'; END;
      CREATE TRIGGER users_email_kills_verify AFTER UPDATE OF email ON users
        WHEN NEW.email IS NOT OLD.email
        BEGIN DELETE FROM account_tokens WHERE user_id = NEW.id AND purpose = 'verify'; END;
    `,
  },
  {
    version: 9,
    name: "create second factors",
    // One TOTP factor per user (its secret sealed with AES-256-GCM, pending until confirmed,
    // last_time_step refusing replays), its recovery codes and the second login step's tokens
    // as hashes only. users.mfa_enabled mirrors "has a confirmed factor" so that the login and
    // /users/me read it with the user, and every write keeps the two in one transaction.
    sql: `
      ALTER TABLE users ADD COLUMN mfa_enabled INTEGER NOT NULL DEFAULT 0 CHECK (mfa_enabled IN (0, 1));
      CREATE TABLE mfa_totp_factors (
        user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        secret_ciphertext TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        confirmed_at INTEGER,
        last_time_step INTEGER
      ) STRICT;
      CREATE TABLE mfa_recovery_codes (
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        code_hash TEXT NOT NULL,
        used_at INTEGER,
        PRIMARY KEY (user_id, code_hash)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE mfa_tokens (
        token_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        client_address TEXT NOT NULL,
        client_id TEXT,
        scope TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX mfa_tokens_user ON mfa_tokens (user_id);
      CREATE INDEX mfa_tokens_expiry ON mfa_tokens (expires_at);
    `,
  },
  {
    version: 10,
    name: "add user profiles",
    // The profile fields as JSON text; existing users get none.
    sql: `ALTER TABLE users ADD COLUMN profile TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(profile));`,
  },
];

/** The schema version this code writes and expects. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

/**
 * Brings the schema up to date: every pending step and its `schema_migrations` row in one
 * IMMEDIATE transaction, so two processes starting together cannot both apply a step and
 * a failed step leaves nothing behind. A no-op on an up-to-date database.
 * @throws GatehouseError `store_unavailable` when the database is newer than this code.
 */
export function migrate(db: Database, now: number): void {
  const run = db.transaction(() => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at INTEGER NOT NULL
      ) STRICT
    `);
    const current = db.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations").pluck().get();
    if (typeof current !== "number") throw new Error("schema_migrations.version is not a number");
    if (current > LATEST_SCHEMA_VERSION) {
      throw new GatehouseError(
        "store_unavailable",
        `the database has schema version ${current}, newer than this Gatehouse knows (${LATEST_SCHEMA_VERSION}); upgrade Gatehouse`,
      );
    }
    const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, now);
    }
  });
  run.immediate();
}
