import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatehouse } from "../../src/core/index.js";
import { postgresStore } from "../../src/stores/postgres/index.js";
import { sqliteStore } from "../../src/stores/sqlite/sqlite-store.js";
import { buildIfStale } from "../support/build.js";
import { createTestHasher } from "../support/fixtures.js";
import { describePostgres } from "../support/postgres.js";
import { createTempDatabase, runBinary } from "./cli-harness.js";

/** Runs the real binary to completion with only the given GATEHOUSE_* settings. */
function gatehouse(args: string[], settings: Record<string, string>, cwd: string, stdin = "") {
  return runBinary(args, { env: settings, cwd, stdin });
}

// Each spawn pays Node start-up plus the core import; a busy machine can take seconds per run.
describe("gatehouse users reset-link and unlock on SQLite", { timeout: 120_000 }, () => {
  const db = createTempDatabase();
  const settings = { GATEHOUSE_DATABASE_URL: db.url, GATEHOUSE_APP_URL: "https://app.example.com/" };
  beforeAll(async () => {
    buildIfStale();
    const add = await gatehouse(
      ["users", "add", "johndoe", "--email", "johndoe@example.com", "--password-stdin"],
      settings,
      db.dir,
      "old password here\n",
    );
    expect(add.code).toBe(0);
  });
  afterAll(() => db.remove());

  it("prints a one-time reset link under GATEHOUSE_APP_URL that resets the password once", async () => {
    const run = await gatehouse(["users", "reset-link", "johndoe"], settings, db.dir);
    expect(run.code).toBe(0);
    const link = run.stdout.trim();
    expect(link).toMatch(/^https:\/\/app\.example\.com\/reset-password\?token=[A-Za-z0-9_-]{43}$/);
    const token = new URL(link).searchParams.get("token") as string;
    const core = await createGatehouse({
      store: await sqliteStore(db.path),
      hasher: createTestHasher(),
      syncInterval: 0,
    });
    try {
      await core.accounts.resetPassword(token, "new password here", { clientAddress: "192.0.2.1" });
      await expect(core.authenticate("johndoe", "new password here")).resolves.toMatchObject({ username: "johndoe" });
      await expect(
        core.accounts.resetPassword(token, "another password", { clientAddress: "192.0.2.1" }),
      ).rejects.toMatchObject({ code: "invalid_account_token" });
      const events = await core.audit.list({ limit: 10, cursor: null, type: "password.reset_requested" });
      expect(events.events[0]?.actor).toBe("cli");
    } finally {
      await core.close();
    }
  });

  it("refuses an unknown user with one line and exit code 1", async () => {
    const run = await gatehouse(["users", "reset-link", "nobody"], settings, db.dir);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/"nobody" not found/);
  });

  it("says that unlock cannot reach a SQLite server's in-memory counters (exit 1)", async () => {
    const run = await gatehouse(["users", "unlock", "johndoe"], settings, db.dir);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/own memory.*restart it/);
  });
});

describePostgres("gatehouse users unlock on PostgreSQL", (database) => {
  it("clears the user's shared counters on every address, so a blocked login works again", {
    timeout: 120_000,
  }, async () => {
    buildIfStale();
    const store = await postgresStore(database().url);
    const core = await createGatehouse({ store, hasher: createTestHasher(), syncInterval: 0 });
    try {
      await core.users.create({ username: "johndoe", email: "johndoe@example.com", password: "right password" });
      const context = { clientAddress: "203.0.113.9" };
      for (let n = 0; n < 10; n++) {
        await expect(
          core.handleTokenRequest({ username: "johndoe", password: `wrong ${n}` }, context),
        ).rejects.toThrow();
      }
      await expect(
        core.handleTokenRequest({ username: "johndoe", password: "right password" }, context),
      ).rejects.toMatchObject({ code: "throttled" });
      const run = await gatehouse(
        ["users", "unlock", "johndoe"],
        { GATEHOUSE_DATABASE_URL: database().url },
        process.cwd(),
      );
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/Cleared the login throttle counters of johndoe \(1 per-address\)/);
      await expect(
        core.handleTokenRequest({ username: "johndoe", password: "right password" }, context),
      ).resolves.toMatchObject({
        token_type: "bearer",
      });
    } finally {
      await core.close();
    }
  });
});
