import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPasswordHasher } from "../../src/core/index.js";
import { createTempDatabase, inspectDatabase, runTestCli } from "./cli-harness.js";

describe("gatehouse users add", () => {
  let db: ReturnType<typeof createTempDatabase>;
  const hasher = createPasswordHasher();
  beforeEach(() => {
    db = createTempDatabase();
  });
  afterEach(() => db.remove());

  const add = (args: string[], stdin = "correct horse\n") =>
    runTestCli(["users", "add", ...args, "--password-stdin", "--database", db.url], { stdin });

  it("stores the user with the defaults and the password minus one trailing newline", async () => {
    const run = await add(["bob", "--email", "bob@example.com"], "pass word  \r\n");
    expect(run).toEqual({ code: 0, stdout: "Added user bob\n", stderr: "" });
    await inspectDatabase(db.path, async (store) => {
      const user = await store.findUserByUsername("bob");
      expect(user).toMatchObject({ email: "bob@example.com", fullName: "", scopes: ["me"], disabled: false });
      expect((await hasher.verify("pass word  ", user?.passwordHash ?? "")).ok).toBe(true);
    });
  });

  it("stores the full name, scopes and disabled state given as flags", async () => {
    const run = await add(["carol", "--email", "c@example.com", "--full-name", "Carol C", "--scopes", "me admin"]);
    expect(run.code).toBe(0);
    const disabled = await add(["dave", "--email", "d@example.com", "--disabled", "--scopes", ""]);
    expect(disabled.code).toBe(0);
    await inspectDatabase(db.path, async (store) => {
      expect(await store.findUserByUsername("carol")).toMatchObject({ fullName: "Carol C", scopes: ["me", "admin"] });
      expect(await store.findUserByUsername("dave")).toMatchObject({ disabled: true, scopes: [] });
    });
  });

  it("does not add or rotate signing keys (it must not disturb a server's keys)", async () => {
    await add(["erin", "--email", "erin@example.com"]);
    await inspectDatabase(db.path, async (store) => expect(await store.listSigningKeys()).toEqual([]));
  });

  it("refuses a duplicate username, compared case-insensitively, with exit 1 and one line", async () => {
    await add(["frank", "--email", "f@example.com"]);
    const run = await add(["FRANK", "--email", "other@example.com"]);
    expect(run).toEqual({ code: 1, stdout: "", stderr: 'gatehouse: user "FRANK" already exists\n' });
  });

  it.each([
    ["a password shorter than the policy", ["gina", "--email", "g@example.com"], "short\n", "at least 8"],
    ["an invalid e-mail address", ["gina", "--email", "not-an-address"], "long enough\n", "email"],
    ["an unknown scope", ["gina", "--email", "g@example.com", "--scopes", "me root"], "long enough\n", "root"],
    ["a username with a control character", ["gi\u0007na", "--email", "g@example.com"], "long enough\n", "username"],
  ])("refuses %s with exit 1, one line, and stores nothing", async (_, args, stdin, fragment) => {
    const run = await add(args, stdin);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^gatehouse: [^\n]+\n$/);
    expect(run.stderr).toContain(fragment);
    await inspectDatabase(db.path, async (store) =>
      expect((await store.listUsers({ limit: 10, cursor: null })).users).toEqual([]),
    );
  });

  // Review finding 10: "me" could be created, though /users/me is always the caller.
  it.each(["me", "ME", "ｍｅ"])(
    "refuses the reserved username %j with exit 1 and one line, and stores nothing (regression: a user named me could be created)",
    async (username) => {
      const run = await add([username, "--email", "me@example.com"]);
      expect(run).toEqual({
        code: 1,
        stdout: "",
        stderr: 'gatehouse: username "me" is reserved (/users/me is the caller)\n',
      });
      await inspectDatabase(db.path, async (store) =>
        expect((await store.listUsers({ limit: 10, cursor: null })).users).toEqual([]),
      );
    },
  );

  it("exits 2 when --email is missing", async () => {
    const run = await add(["hank"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--email");
  });

  it("exits 2 without --password-stdin when standard input is not a terminal", async () => {
    const run = await runTestCli(["users", "add", "ivan", "--email", "i@example.com", "--database", db.url]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--password-stdin");
  });
});
