import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPasswordHasher } from "../../src/core/index.js";
import { createTempDatabase, inspectDatabase, runTestCli } from "./cli-harness.js";

describe("gatehouse users list/show/disable/enable/set-password/remove/logout", () => {
  const db = createTempDatabase();
  const cli = (...args: string[]) => runTestCli([...args, "--database", db.url], { stdin: "first password\n" });

  beforeAll(async () => {
    await cli(
      "users",
      "add",
      "johndoe",
      "--email",
      "johndoe@example.com",
      "--full-name",
      "John Doe",
      "--password-stdin",
    );
    await cli("users", "add", "al", "--email", "al@example.com", "--scopes", "me admin", "--password-stdin");
  });
  afterAll(() => db.remove());

  it("lists users as an aligned table", async () => {
    const run = await cli("users", "list");
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        "USERNAME  EMAIL                FULL NAME  DISABLED  SCOPES",
        "al        al@example.com       -          no        me admin",
        "johndoe   johndoe@example.com  John Doe   no        me",
        "",
      ].join("\n"),
    );
  });

  it("lists users as a JSON array of public users, without any hash", async () => {
    const run = await cli("users", "list", "--json");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([
      {
        username: "al",
        email: "al@example.com",
        email_verified: false,
        full_name: "",
        disabled: false,
        scopes: ["me", "admin"],
        mfa_enabled: false,
      },
      {
        username: "johndoe",
        email: "johndoe@example.com",
        email_verified: false,
        full_name: "John Doe",
        disabled: false,
        scopes: ["me"],
        mfa_enabled: false,
      },
    ]);
    expect(run.stdout).not.toMatch(/argon2|hash/i);
  });

  it("shows one user, as text or JSON, without any hash", async () => {
    const text = await cli("users", "show", "JohnDoe");
    expect(text.stdout).toContain("full name:  John Doe");
    const json = await cli("users", "show", "johndoe", "--json");
    expect(JSON.parse(json.stdout)).toEqual({
      username: "johndoe",
      email: "johndoe@example.com",
      email_verified: false,
      full_name: "John Doe",
      disabled: false,
      scopes: ["me"],
      mfa_enabled: false,
    });
    expect(text.stdout + json.stdout).not.toMatch(/argon2|hash/i);
  });

  it("disables and enables a user", async () => {
    expect((await cli("users", "disable", "al")).stdout).toBe("Disabled user al\n");
    await inspectDatabase(db.path, async (store) =>
      expect((await store.findUserByUsername("al"))?.disabled).toBe(true),
    );
    expect((await cli("users", "enable", "al")).stdout).toBe("Enabled user al\n");
    await inspectDatabase(db.path, async (store) =>
      expect((await store.findUserByUsername("al"))?.disabled).toBe(false),
    );
  });

  it("sets a new password and invalidates earlier tokens", async () => {
    const before = await inspectDatabase(db.path, (store) => store.findUserByUsername("johndoe"));
    const run = await runTestCli(["users", "set-password", "johndoe", "--password-stdin", "--database", db.url], {
      stdin: "second password\n",
    });
    expect(run.code).toBe(0);
    const after = await inspectDatabase(db.path, (store) => store.findUserByUsername("johndoe"));
    expect((await createPasswordHasher().verify("second password", after?.passwordHash ?? "")).ok).toBe(true);
    expect(after?.tokensValidAfter).toBeGreaterThan(before?.tokensValidAfter ?? Number.POSITIVE_INFINITY);
  });

  it("logs a user out everywhere", async () => {
    const before = await inspectDatabase(db.path, (store) => store.findUserByUsername("al"));
    const run = await cli("users", "logout", "al");
    expect(run).toEqual({ code: 0, stdout: "Logged out al everywhere\n", stderr: "" });
    const after = await inspectDatabase(db.path, (store) => store.findUserByUsername("al"));
    expect(after?.tokensValidAfter).toBeGreaterThan(before?.tokensValidAfter ?? Number.POSITIVE_INFINITY);
  });

  it.each([
    ["show", []],
    ["disable", []],
    ["enable", []],
    ["remove", []],
    ["logout", []],
    ["set-password", ["--password-stdin"]],
  ])("%s of an unknown user exits 1 with one line and no stack", async (command, extra) => {
    const run = await cli("users", command, "nobody", ...extra);
    expect(run).toEqual({ code: 1, stdout: "", stderr: 'gatehouse: user "nobody" not found\n' });
  });

  it("removes a user", async () => {
    await cli("users", "add", "temp", "--email", "t@example.com", "--password-stdin");
    expect((await cli("users", "remove", "temp")).stdout).toBe("Removed user temp\n");
    await inspectDatabase(db.path, async (store) => expect(await store.findUserByUsername("temp")).toBeNull());
  });
});

describe("gatehouse users list over many users", () => {
  it("pages through every user", async () => {
    const db = createTempDatabase();
    try {
      await inspectDatabase(db.path, async (store) => {
        for (let i = 0; i < 501; i++) {
          const username = `user${String(i).padStart(3, "0")}`;
          const user = { username, email: `${username}@example.com`, fullName: "", disabled: false, scopes: ["me"] };
          await store.createUser({ ...user, passwordHash: "$argon2id$not-a-real-hash" }, Date.now());
        }
      });
      const run = await runTestCli(["users", "list", "--json", "--database", db.url]);
      const users: { username: string }[] = JSON.parse(run.stdout);
      expect(users).toHaveLength(501);
      expect(users.at(-1)?.username).toBe("user500");
      expect(run.stdout).not.toContain("argon2");
    } finally {
      db.remove();
    }
  });

  it("says so when there are no users", async () => {
    const run = await runTestCli(["users", "list", "--database", "memory:"]);
    expect(run).toEqual({ code: 0, stdout: "No users.\n", stderr: "" });
  });
});
