import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GatehouseStore } from "../../src/core/store.js";
import { auditListingSql } from "../../src/stores/sqlite/audit-queries.js";
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from "../../src/stores/sqlite/migrations.js";
import { openSqliteDatabase } from "../../src/stores/sqlite/open-database.js";
import { sqliteStore } from "../../src/stores/sqlite/sqlite-store.js";
import {
  expectRejectsWith,
  newFamily,
  newUser,
  rotation,
  runStoreContract,
  signingKey,
  T0,
} from "../../src/testing/index.js";

const root = mkdtempSync(join(tmpdir(), "gatehouse-sqlite-"));
let counter = 0;
const freshPath = () => join(root, `store-${++counter}.db`);

afterAll(() => rmSync(root, { recursive: true, force: true }));

runStoreContract("sqlite file", () => sqliteStore(freshPath()));
runStoreContract("sqlite :memory:", () => sqliteStore(":memory:"));

describe("sqlite store", () => {
  let path: string;
  const opened: GatehouseStore[] = [];
  const open = async (file = path) => {
    const store = await sqliteStore(file);
    opened.push(store);
    return store;
  };

  beforeEach(() => {
    path = freshPath();
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  it("is of kind sqlite", async () => {
    expect((await open()).kind).toBe("sqlite");
  });

  it("keeps users and keys across close and reopen", async () => {
    const first = await open();
    const user = await first.createUser(newUser("JohnDoe", { scopes: ["me", "admin"] }), T0);
    await first.addSigningKey(signingKey("k1", T0), T0);
    await first.close();
    const second = await open();
    expect(await second.findUserByUsername("johndoe")).toEqual(user);
    expect(await second.listSigningKeys()).toEqual([signingKey("k1", T0)]);
  });

  it("runs each migration once and records it in schema_migrations", async () => {
    await (await open()).close();
    await (await open()).close();
    const db = new Database(path, { readonly: true });
    const rows = db.prepare("SELECT version, name FROM schema_migrations ORDER BY version").all();
    db.close();
    expect(rows).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
    // One step per version, none skipped: a released database at version N takes every step after N.
    expect(MIGRATIONS.map(({ version }) => version)).toEqual(MIGRATIONS.map((_, index) => index + 1));
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it("refuses a database whose schema is newer than it knows, with store_unavailable", async () => {
    await (await open()).close();
    const db = new Database(path);
    db.prepare("INSERT INTO schema_migrations VALUES (?, 'from the future', 0)").run(LATEST_SCHEMA_VERSION + 1);
    db.close();
    const error = await expectRejectsWith(sqliteStore(path), "store_unavailable");
    expect(error.message).toMatch(/newer than this Gatehouse knows/);
  });

  it("notices a write from another connection through changeVersion", async () => {
    const server = await open();
    const cli = await open();
    const before = await server.changeVersion();
    await cli.createUser(newUser("johndoe"), T0);
    const after = await server.changeVersion();
    expect(after).not.toBe(before);
    expect(await server.changeVersion()).toBe(after);
    await cli.updateUser("johndoe", { disabled: true }, T0 + 1);
    expect(await server.changeVersion()).not.toBe(after);
    expect((await server.findUserByUsername("johndoe"))?.disabled).toBe(true);
  });

  it("notices a batch from another connection through changeVersion", async () => {
    const server = await open();
    const before = await server.changeVersion();
    await (await open()).createUsers([newUser("johndoe"), newUser("alice")], T0);
    expect(await server.changeVersion()).not.toBe(before);
    expect(await server.findUserByUsername("ALICE")).not.toBeNull();
  });

  it("creates none of a batch when one of its users cannot be stored (one transaction)", async () => {
    const store = await open();
    const broken = { ...newUser("broken"), email: null as unknown as string };
    await expectRejectsWith(store.createUsers([newUser("alice"), broken], T0), "store_unavailable");
    expect(await store.findUserByUsername("alice")).toBeNull();
  });

  it("sees another connection's user at once", async () => {
    const server = await open();
    await (await open()).createUser(newUser("johndoe"), T0);
    expect(await server.findUserByUsername("JOHNDOE")).not.toBeNull();
  });

  it("opens the file in WAL mode with synchronous FULL, foreign keys and a busy timeout", async () => {
    const db = await openSqliteDatabase(path, { busyTimeoutMs: 1234 });
    try {
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(db.pragma("synchronous", { simple: true })).toBe(2);
      expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
      expect(db.pragma("busy_timeout", { simple: true })).toBe(1234);
    } finally {
      db.close();
    }
  });

  it("creates a new database file readable by its owner only", async () => {
    await open();
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("fails with store_unavailable when the directory does not exist, and creates nothing", async () => {
    const missing = join(root, "no-such-dir", "gatehouse.db");
    const error = await expectRejectsWith(sqliteStore(missing), "store_unavailable");
    expect(error.message).toContain("directory does not exist");
    expect(() => statSync(join(root, "no-such-dir"))).toThrow();
  });

  it("fails with store_unavailable on a file that is not a database", async () => {
    writeFileSync(path, "this is not a SQLite database, just some text that is long enough ".repeat(20));
    await expectRejectsWith(sqliteStore(path), "store_unavailable");
  });

  it("fails a write with store_unavailable when another connection holds the lock past the timeout", async () => {
    const store = await sqliteStore(path, { busyTimeoutMs: 50 });
    opened.push(store);
    const other = new Database(path);
    other.exec("BEGIN IMMEDIATE");
    try {
      const error = await expectRejectsWith(store.createUser(newUser("johndoe"), T0), "store_unavailable");
      expect(error.cause).toBeInstanceOf(Error);
      expect(await store.findUserByUsername("johndoe")).toBeNull();
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
  });

  it("keeps answering reads while another connection holds the write lock (WAL)", async () => {
    const store = await sqliteStore(path, { busyTimeoutMs: 50 });
    opened.push(store);
    await store.createUser(newUser("johndoe"), T0);
    const other = new Database(path);
    other.exec("BEGIN IMMEDIATE");
    try {
      expect(await store.findTokenSubject("johndoe", "jti", null)).toMatchObject({ revoked: false });
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
  });

  it("detects reuse of a refresh token that another connection rotated", async () => {
    const one = await open();
    const two = await open();
    await one.createUser(newUser("johndoe"), T0);
    await one.createRefreshFamily(newFamily({ tokenHash: "h1", familyId: "f1" }));
    expect((await one.rotateRefreshToken(rotation("h1", "h2", T0 + 1))).status).toBe("rotated");
    expect((await two.rotateRefreshToken(rotation("h1", "h3", T0 + 2))).status).toBe("reused");
    expect((await one.rotateRefreshToken(rotation("h2", "h4", T0 + 3))).status).toBe("invalid");
  });

  it("stores the username as given beside its case-folded key", async () => {
    const store = await open();
    await store.createUser(newUser("Straße"), T0);
    const db = new Database(path, { readonly: true });
    const row = db.prepare("SELECT username, username_key FROM users").get();
    db.close();
    expect(row).toEqual({ username: "Straße", username_key: "strasse" });
  });

  it.each([
    [{ username: "johndoe" }, "audit_events_user"],
    [{ username: "johndoe", type: "login.failed" as const }, "audit_events_user"],
    [{ username: "johndoe", type: "login.failed" as const, since: T0, cursor: "x" }, "audit_events_user"],
    [{ type: "login.failed" as const }, "audit_events_type"],
    [{ since: T0 }, "audit_events_time"],
  ])(
    "lists audit events for %j from the index %s (regression: a user and a type scanned the type, 100 ms on 1M events)",
    async (query, index) => {
      await (await open()).close();
      const db = new Database(path, { readonly: true });
      const sql = auditListingSql({ cursor: null, ...query });
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({
        key: "johndoe",
        type: "login.failed",
        since: T0,
        time: T0,
        seq: 1,
        limit: 11,
      }) as Array<{ detail: string }>;
      db.close();
      expect(plan.map((row) => row.detail).join(" ")).toContain(index);
    },
  );
});
