import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Client } from "pg";
import { afterAll, describe, expect, it } from "vitest";
import type { GatehouseStore } from "../../src/core/store.js";
import { postgresStore } from "../../src/stores/postgres/index.js";
import { POSTGRES_MIGRATIONS } from "../../src/stores/postgres/migrations.js";
import { tablesIn } from "../../src/stores/postgres/tables.js";
import { MIGRATIONS } from "../../src/stores/sqlite/migrations.js";
import { sqliteStore } from "../../src/stores/sqlite/sqlite-store.js";
import { rotation, T0 } from "../../src/testing/index.js";
import { describePostgres } from "../support/postgres.js";

// The schema of the release before sessions, audit log and webhooks: SQLite's first four steps,
// PostgreSQL's first six. A database made by that release, with a user, a signing key and a live
// refresh family written as that release wrote them, must come through the upgrade whole.
const PREVIOUS_SQLITE_VERSION = 4;
const PREVIOUS_POSTGRES_VERSION = 6;
const HOUR = 3_600_000;
const HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo";

/** What the previous release had stored, checked through the new code's store. */
async function expectNothingLost(store: GatehouseStore): Promise<void> {
  expect(await store.findUserByUsername("johndoe")).toEqual({
    username: "JohnDoe",
    email: "johndoe@example.com",
    emailVerified: false,
    fullName: "John Doe",
    disabled: false,
    scopes: ["me", "admin"],
    passwordHash: HASH,
    // Profiles came later (SQLite 10, PostgreSQL 12): an upgraded user has an empty one.
    profile: {},
    tokensValidAfter: T0,
    createdAt: T0,
    updatedAt: T0,
  });
  expect(await store.listSigningKeys()).toEqual([
    {
      kid: "k1",
      algorithm: "HS256",
      privateKey: "c2VjcmV0",
      publicKey: "",
      createdAt: T0,
      supersededAt: null,
    },
  ]);
  expect(await store.findRefreshToken("old-hash")).toEqual({
    tokenHash: "old-hash",
    familyId: "old-family",
    username: "JohnDoe",
    clientId: "app",
    scope: "me",
    issuedAt: T0,
    expiresAt: T0 + HOUR,
    usedAt: null,
    sessionCreatedAt: T0,
    successorHash: null,
  });
  expect(await store.listSessions("johndoe", T0 + 1)).toEqual([
    {
      id: "old-family",
      username: "JohnDoe",
      clientId: "app",
      scope: "me",
      createdAt: T0,
      lastUsedAt: T0,
      expiresAt: T0 + HOUR,
      ip: null,
      userAgent: null,
      amr: ["pwd"],
    },
  ]);
  // The upgraded user gets account tokens, and a password change kills the reset one.
  const reset = { purpose: "reset", username: "johndoe", tokenHash: "reset-hash", email: null } as const;
  expect(await store.issueAccountToken({ ...reset, createdAt: T0, expiresAt: T0 + HOUR })).toBe(true);
  await store.updateUser("johndoe", { passwordHash: `${HASH}x` }, T0 + 1);
  expect(await store.consumeAccountToken("reset", "reset-hash", T0 + 1)).toBeNull();
  // The session keeps working: its token rotates, and its used sibling is still theft.
  expect((await store.rotateRefreshToken(rotation("old-hash", "new-hash", T0 + 2))).status).toBe("rotated");
  expect((await store.rotateRefreshToken(rotation("used-hash", "x", T0 + 3, { reuseIntervalMs: 10_000 }))).status).toBe(
    "reused",
  );
  // Second factors arrive empty, and the upgraded user can enrol one.
  expect(await store.findTotpFactor("johndoe")).toBeNull();
  expect(await store.savePendingTotpFactor("johndoe", "sealed", T0 + 4)).toBe(true);
  const confirmation = { timeStep: 1, recoveryCodeHashes: ["h1"], now: T0 + 5 };
  expect(await store.confirmTotpFactor("johndoe", confirmation)).toBe(true);
  expect((await store.findUserByUsername("johndoe"))?.mfaEnabled).toBe(true);
  // The upgraded user takes a profile, and keeps everything else.
  const updated = await store.updateUser("johndoe", { profile: { locale: "fr" } }, T0 + 4);
  expect(updated).toMatchObject({ username: "JohnDoe", passwordHash: `${HASH}x`, profile: { locale: "fr" } });
  expect((await store.findUserByUsername("johndoe"))?.profile).toEqual({ locale: "fr" });
}

describe("upgrading a SQLite database made by the previous release", () => {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-upgrade-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps its users, keys and sessions", async () => {
    const path = join(dir, "previous.db");
    const db = new Database(path);
    db.pragma("journal_mode = WAL");
    db.exec(
      "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT",
    );
    for (const migration of MIGRATIONS.slice(0, PREVIOUS_SQLITE_VERSION)) {
      db.exec(migration.sql);
      db.prepare("INSERT INTO schema_migrations VALUES (?, ?, ?)").run(migration.version, migration.name, T0);
    }
    db.prepare(
      `INSERT INTO users (username, username_key, email, full_name, disabled, scopes, password_hash,
                          tokens_valid_after, created_at, updated_at)
       VALUES ('JohnDoe', 'johndoe', 'johndoe@example.com', 'John Doe', 0, '["me","admin"]', ?, ?, ?, ?)`,
    ).run(HASH, T0, T0, T0);
    db.prepare("INSERT INTO signing_keys VALUES ('k1', 'HS256', 'c2VjcmV0', '', ?, NULL)").run(T0);
    db.prepare("INSERT INTO refresh_families VALUES ('old-family', 1, 'app', 'me', ?, ?, NULL)").run(T0, T0 + HOUR);
    db.prepare("INSERT INTO refresh_tokens VALUES ('old-hash', 'old-family', ?, ?, NULL)").run(T0, T0 + HOUR);
    db.prepare("INSERT INTO refresh_tokens VALUES ('used-hash', 'old-family', ?, ?, ?)").run(T0, T0 + HOUR, T0 + 1);
    db.close();

    const store = await sqliteStore(path);
    try {
      await expectNothingLost(store);
    } finally {
      await store.close();
    }
  });
});

describePostgres("upgrading a PostgreSQL schema made by the previous release", (database) => {
  it("keeps its users, keys and sessions", async () => {
    const schema = `upgrade_${process.pid}`;
    const t = tablesIn(schema);
    const client = new Client({ connectionString: database().url });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA ${schema}`);
      await client.query(
        `CREATE TABLE ${t.schemaMigrations} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
      );
      for (const migration of POSTGRES_MIGRATIONS.slice(0, PREVIOUS_POSTGRES_VERSION)) {
        await client.query(migration.sql(t));
        await client.query(`INSERT INTO ${t.schemaMigrations} VALUES ($1, $2, $3)`, [
          migration.version,
          migration.name,
          T0,
        ]);
      }
      await client.query(
        `INSERT INTO ${t.users} (username, username_key, email, full_name, disabled, scopes, password_hash,
                                 tokens_valid_after, created_at, updated_at)
         VALUES ('JohnDoe', 'johndoe', 'johndoe@example.com', 'John Doe', false, '["me","admin"]', $1, $2, $2, $2)`,
        [HASH, T0],
      );
      await client.query(`INSERT INTO ${t.signingKeys} VALUES ('k1', 'HS256', 'c2VjcmV0', '', $1, NULL)`, [T0]);
      await client.query(
        `INSERT INTO ${t.refreshFamilies} SELECT 'old-family', id, 'app', 'me', $1, $2, NULL FROM ${t.users}`,
        [T0, T0 + HOUR],
      );
      await client.query(`INSERT INTO ${t.refreshTokens} VALUES ('old-hash', 'old-family', $1, $2, NULL)`, [
        T0,
        T0 + HOUR,
      ]);
      await client.query(`INSERT INTO ${t.refreshTokens} VALUES ('used-hash', 'old-family', $1, $2, $3)`, [
        T0,
        T0 + HOUR,
        T0 + 1,
      ]);
    } finally {
      await client.end();
    }

    const store = await postgresStore(database().url, { schema });
    try {
      await expectNothingLost(store);
    } finally {
      await store.close();
    }
  });
});
