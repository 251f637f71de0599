import { afterEach, expect, it } from "vitest";
import type { GatehouseStore } from "../../src/core/store.js";
import { type PostgresStoreOptions, postgresStore } from "../../src/stores/postgres/index.js";
import { LATEST_POSTGRES_SCHEMA_VERSION, POSTGRES_MIGRATIONS } from "../../src/stores/postgres/migrations.js";
import {
  expectRejectsWith,
  newFamily,
  newUser,
  rotation,
  runStoreContract,
  signingKey,
  T0,
} from "../../src/testing/index.js";
import { describePostgres } from "../support/postgres.js";

const HOUR = 3_600_000;
let counter = 0;
// Each store of a test gets a schema of its own in the file's database: fresh, and fast.
const freshSchema = () => `s${process.pid}_${++counter}`;

const family = (overrides: Parameters<typeof newFamily>[0] = {}) =>
  newFamily({ familyId: "f1", tokenHash: "h1", scope: "me", ...overrides });

describePostgres("postgres store", (database) => {
  runStoreContract("postgres", () => postgresStore(database().url, { schema: freshSchema() }));

  const opened: GatehouseStore[] = [];
  let schema = "";
  const open = async (options: PostgresStoreOptions = {}) => {
    const store = await postgresStore(database().url, { schema, ...options });
    opened.push(store);
    return store;
  };

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    schema = freshSchema();
  });
  schema = freshSchema();

  it("is of kind postgres", async () => {
    expect((await open()).kind).toBe("postgres");
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

  it("migrates a new schema once when several instances start at the same moment", async () => {
    await Promise.all([open(), open(), open(), open()]);
    const rows = await database().query(`SELECT version, name FROM ${schema}.schema_migrations ORDER BY version`);
    expect(rows).toEqual(POSTGRES_MIGRATIONS.map(({ version, name }) => ({ version, name })));
    // One step per version, none skipped: a released database at version N takes every step after N.
    expect(POSTGRES_MIGRATIONS.map(({ version }) => version)).toEqual(POSTGRES_MIGRATIONS.map((_, index) => index + 1));
    expect(LATEST_POSTGRES_SCHEMA_VERSION).toBe(POSTGRES_MIGRATIONS.length);
  });

  it("refuses a schema newer than it knows with store_unavailable", async () => {
    await (await open()).close();
    await database().query(`INSERT INTO ${schema}.schema_migrations VALUES ($1, 'from the future', 0)`, [
      LATEST_POSTGRES_SCHEMA_VERSION + 1,
    ]);
    const error = await expectRejectsWith(postgresStore(database().url, { schema }), "store_unavailable");
    expect(error.message).toMatch(/newer than this Gatehouse knows/);
  });

  it("keeps to its own schema, leaving an application's public.users alone", async () => {
    await database().query("CREATE TABLE IF NOT EXISTS public.users (id int PRIMARY KEY, name text)");
    await database().query("INSERT INTO public.users VALUES (1, 'app user') ON CONFLICT DO NOTHING");
    await (await open()).createUser(newUser("johndoe"), T0);
    expect(await database().query("SELECT name FROM public.users")).toEqual([{ name: "app user" }]);
  });

  it("stores the username as given beside its case-folded key", async () => {
    await (await open()).createUser(newUser("Straße"), T0);
    expect(await database().query(`SELECT username, username_key FROM ${schema}.users`)).toEqual([
      { username: "Straße", username_key: "strasse" },
    ]);
  });

  it("lets one of two instances creating the same name in different case at once win", async () => {
    const [one, two] = await Promise.all([open(), open()]);
    const results = await Promise.allSettled([
      one.createUser(newUser("JohnDoe"), T0),
      two.createUser(newUser("johndoe"), T0),
    ]);
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    const [failure] = results.filter((result) => result.status === "rejected");
    expect(failure?.reason).toMatchObject({ code: "user_exists" });
  });

  it("notices another instance's writes through changeVersion, and stays put while nobody writes", async () => {
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

  it("counts a batch of new users as one change, and a batch of existing ones as none", async () => {
    const server = await open();
    const cli = await open();
    const before = await server.changeVersion();
    await cli.createUsers([newUser("johndoe"), newUser("alice"), newUser("bob")], T0);
    expect(await server.changeVersion()).toBe(before + 1);
    expect(await cli.createUsers([newUser("JOHNDOE"), newUser("Alice")], T0 + 1)).toEqual(["exists", "exists"]);
    expect(await server.changeVersion()).toBe(before + 1);
  });

  it("gives each username to exactly one of two instances creating overlapping batches at once", async () => {
    const [one, two] = await Promise.all([open(), open()]);
    const names = Array.from({ length: 300 }, (_, index) => `user${index}`);
    const [first, second] = await Promise.all([
      one.createUsers(
        names.map((name) => newUser(name)),
        T0,
      ),
      two.createUsers(names.map((name) => newUser(name.toUpperCase())).reverse(), T0),
    ]);
    const pairs = names.map((_, index) => [first[index], second[names.length - 1 - index]]);
    for (const outcomes of pairs) expect(outcomes.sort()).toEqual(["created", "exists"]);
    expect(await database().query(`SELECT count(*)::int AS n FROM ${schema}.users`)).toEqual([{ n: 300 }]);
  });

  it("creates none of a batch when one of its users cannot be stored", async () => {
    const store = await open();
    const broken = { ...newUser("broken"), email: null as unknown as string };
    await expectRejectsWith(store.createUsers([newUser("alice"), broken], T0), "store_unavailable");
    expect(await store.findUserByUsername("alice")).toBeNull();
  });

  it("stores a batch's usernames as given beside their case-folded keys", async () => {
    await (await open()).createUsers([newUser("Straße"), newUser("JohnDoe")], T0);
    expect(await database().query(`SELECT username, username_key FROM ${schema}.users ORDER BY username_key`)).toEqual([
      { username: "JohnDoe", username_key: "johndoe" },
      { username: "Straße", username_key: "strasse" },
    ]);
  });

  it("does not move changeVersion for writes that change nothing, so servers do not reload each other forever", async () => {
    const store = await open();
    await store.createUser(newUser("johndoe"), T0);
    await store.revokeAccessToken("jti", T0 + HOUR);
    const version = await store.changeVersion();
    expect(await store.deleteSigningKeysSupersededBefore(T0)).toBe(0);
    expect(await store.purgeExpired(T0)).toBe(0);
    await store.revokeRefreshFamily("no-such-family", T0);
    await store.revokeUserRefreshFamilies("johndoe", T0);
    await store.revokeAccessToken("jti", T0 + 1);
    expect(await store.updateUser("ghost", { disabled: true }, T0)).toBeNull();
    expect(await store.deleteUser("ghost")).toBe(false);
    expect(await store.changeVersion()).toBe(version);
  });

  it("keeps changeVersion when a purge folds the counters of closed instances into one row", async () => {
    const server = await open();
    const gone = await open();
    const backends = async () =>
      (await database().query(`SELECT backend FROM ${schema}.changes WHERE backend <> 0`)).map(
        (row) => (row as { backend: number }).backend,
      );
    const before = new Set(await backends());
    await gone.createUser(newUser("johndoe"), T0);
    const goneBackends = (await backends()).filter((backend) => !before.has(backend));
    await gone.close();
    // A closed connection's backend leaves pg_stat_activity a moment later; on a busy machine
    // the purge could otherwise still see it alive. Wait for that, not for a fixed time.
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const alive = await database().query("SELECT pid FROM pg_stat_activity WHERE pid = ANY($1::int[])", [
        goneBackends,
      ]);
      if (alive.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const version = await server.changeVersion();
    await server.purgeExpired(T0);
    expect(await server.changeVersion()).toBe(version);
    const rows = await database().query(
      `SELECT backend FROM ${schema}.changes WHERE backend <> 0 AND backend NOT IN (SELECT pid FROM pg_stat_activity)`,
    );
    expect(rows).toEqual([]);
  });

  it("lets exactly one of many concurrent rotations of one token across instances win, and revokes the family", async () => {
    const [one, two] = await Promise.all([open(), open()]);
    await one.createUser(newUser("johndoe"), T0);
    await one.createRefreshFamily(family());
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? one : two).rotateRefreshToken(rotation("h1", `n${i}`, T0 + 1))),
    );
    expect(results.filter((result) => result.status === "rotated")).toHaveLength(1);
    expect(results.filter((result) => result.status === "reused").length).toBeGreaterThanOrEqual(1);
    expect((await two.findTokenSubject("johndoe", null, "f1"))?.revoked).toBe(true);
  });

  it("detects reuse of a refresh token that another instance rotated", async () => {
    const [one, two] = await Promise.all([open(), open()]);
    await one.createUser(newUser("johndoe"), T0);
    await one.createRefreshFamily(family());
    expect((await one.rotateRefreshToken(rotation("h1", "h2", T0 + 1))).status).toBe("rotated");
    expect((await two.rotateRefreshToken(rotation("h1", "h3", T0 + 2))).status).toBe("reused");
    expect((await one.rotateRefreshToken(rotation("h2", "h4", T0 + 3))).status).toBe("invalid");
  });

  it("gives concurrent rotations of one token across instances one successor: one rotated, the rest reissued", async () => {
    const [one, two] = await Promise.all([open(), open()]);
    await one.createUser(newUser("johndoe"), T0);
    await one.createRefreshFamily(family());
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 ? one : two).rotateRefreshToken(rotation("h1", "h2", T0 + 1, { reuseIntervalMs: 10_000 })),
      ),
    );
    expect(results.filter((result) => result.status === "rotated")).toHaveLength(1);
    expect(results.filter((result) => result.status === "reissued")).toHaveLength(7);
    expect((await two.findTokenSubject("johndoe", null, "f1"))?.revoked).toBe(false);
  });

  it("never leases one webhook delivery to two instances claiming at once", async () => {
    const instances = await Promise.all([open(), open(), open(), open()]);
    const [first] = instances;
    await first?.setWebhookDelivery(true);
    const events = Array.from({ length: 60 }, (_, i) => ({
      id: `event-${i}`,
      time: T0,
      type: "login.failed" as const,
      username: `user${i % 20}`,
      actor: "self" as const,
      ip: null,
      userAgent: null,
      sessionId: null,
      details: { i },
    }));
    await first?.recordAuditEvents(events);
    const seen: string[] = [];
    for (let round = 0; round < 5; round++) {
      const claims = await Promise.all(
        instances.map((store, n) =>
          store.claimWebhookDeliveries({ now: T0, limit: 7, leaseMs: 60_000, owner: `i${n}` }),
        ),
      );
      for (const [n, claimed] of claims.entries()) {
        for (const delivery of claimed) {
          seen.push(delivery.eventId);
          await instances[n]?.completeWebhookDelivery(delivery.id, `i${n}`);
        }
      }
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(60);
    // Each user's events came out in the order they were recorded.
    for (let user = 0; user < 20; user++) {
      const mine = seen.filter((id) => Number(id.slice(6)) % 20 === user).map((id) => Number(id.slice(6)));
      expect(mine).toEqual([...mine].sort((a, b) => a - b));
    }
  });

  it("gives two instances storing a secret at once the same one", async () => {
    const [one, two] = await Promise.all([open(), open()]);
    const [a, b] = await Promise.all([one.ensureSecret("k", "from one", T0), two.ensureSecret("k", "from two", T0)]);
    expect(a).toBe(b);
  });

  it("deletes a user while its tokens rotate without deadlock or store error", async () => {
    const [one, two] = await Promise.all([open(), open()]);
    await one.createUser(newUser("johndoe"), T0);
    for (let i = 0; i < 6; i++) await one.createRefreshFamily(family({ tokenHash: `t${i}`, familyId: `f${i}` }));
    const rotations = Array.from({ length: 6 }, (_, i) =>
      (i % 2 ? one : two).rotateRefreshToken(rotation(`t${i}`, `r${i}`, T0 + 1)),
    );
    const [deleted, ...results] = await Promise.all([two.deleteUser("johndoe"), ...rotations]);
    expect(deleted).toBe(true);
    for (const result of results) expect(["rotated", "invalid"]).toContain(result.status);
    expect(await database().query(`SELECT count(*)::int AS n FROM ${schema}.refresh_tokens`)).toEqual([{ n: 0 }]);
  });

  it("leaves exactly one current key when two instances rotate at once", async () => {
    const [one, two] = await Promise.all([open(), open()]);
    await one.addSigningKey(signingKey("k0", T0), T0);
    await Promise.all([
      one.addSigningKey(signingKey("k1", T0 + 1), T0 + 1),
      two.addSigningKey(signingKey("k2", T0 + 1), T0 + 1),
    ]);
    const current = (await one.listSigningKeys()).filter((key) => key.supersededAt === null);
    expect(current).toHaveLength(1);
  });

  it("purges once when two instances purge at once", async () => {
    const [one, two] = await Promise.all([open(), open()]);
    await one.createUser(newUser("johndoe"), T0);
    for (let i = 0; i < 5; i++) await one.revokeAccessToken(`old-${i}`, T0 + i);
    const counts = await Promise.all([one.purgeExpired(T0 + HOUR), two.purgeExpired(T0 + HOUR)]);
    expect(counts[0] + counts[1]).toBe(5);
    expect(await one.purgeExpired(T0 + HOUR)).toBe(0);
  });

  it("rejects a cursor holding U+0000 with validation_failed", async () => {
    const store = await open();
    const error = await expectRejectsWith(
      store.listUsers({ limit: 10, cursor: Buffer.from("a\u0000b").toString("base64url") }),
      "validation_failed",
    );
    expect(error.message).toBe("invalid cursor");
  });

  it("carries on after the server ends its connections, without crashing the process", async () => {
    const store = await open();
    await store.createUser(newUser("johndoe"), T0);
    await database().query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'gatehouse'",
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(store.ping()).resolves.toBeUndefined();
    expect(await store.findUserByUsername("johndoe")).not.toBeNull();
  });

  it("fails with store_unavailable for a database that does not exist", async () => {
    const url = new URL(database().url);
    url.pathname = "/gatehouse_no_such_database";
    const error = await expectRejectsWith(postgresStore(url.toString()), "store_unavailable");
    expect(error.message).toBe("the database is unavailable");
  });

  it.each<[string, PostgresStoreOptions]>([
    ["an upper-case schema", { schema: "Gatehouse" }],
    ["a quoted schema", { schema: 'x"; DROP TABLE users; --' }],
    ["a pg_ schema", { schema: "pg_gatehouse" }],
    ["no connections", { maxConnections: 0 }],
    ["a negative timeout", { connectTimeoutMs: -1 }],
  ])("rejects %s with validation_failed", async (_what, options) => {
    await expectRejectsWith(postgresStore(database().url, options), "validation_failed");
  });
});
