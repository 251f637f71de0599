import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIfStale } from "../support/build.js";
import { createTempDatabase, inspectDatabase, runBinary } from "./cli-harness.js";

const db = createTempDatabase();

/** Runs the real binary to completion on the test database. */
function gatehouse(args: string[], stdin = "") {
  return runBinary(args, { env: { GATEHOUSE_DATABASE_URL: db.url }, cwd: db.dir, stdin });
}

const scopesOf = (username: string) =>
  inspectDatabase(db.path, async (store) => (await store.findUserByUsername(username))?.scopes);

// Each spawn pays Node start-up plus the core import; a busy machine can take seconds per run.
describe("regression: the last admin could be demoted with no way back but users add (review finding 11)", {
  timeout: 90_000,
}, () => {
  beforeAll(async () => {
    buildIfStale();
    const add = await gatehouse(
      ["users", "add", "root", "--email", "root@example.com", "--scopes", "me admin", "--password-stdin"],
      "root password 1\n",
    );
    expect(add.code).toBe(0);
  }, 120_000);
  afterAll(() => db.remove());

  it("gatehouse users set-scopes demotes the last admin with a warning, and gives admin back", async () => {
    const demote = await gatehouse(["users", "set-scopes", "root", "me"]);
    expect(demote.code).toBe(0);
    expect(demote.stdout).toBe("Set the scopes of root: scopes me\n");
    expect(demote.stderr).toBe(
      'gatehouse: warning: no enabled user holds the admin scope now; `gatehouse users set-scopes USERNAME "me admin"` makes one\n',
    );
    expect(await scopesOf("root")).toEqual(["me"]);

    const restore = await gatehouse(["users", "set-scopes", "ROOT", "me admin"]);
    expect(restore).toEqual({ code: 0, stdout: "Set the scopes of root: scopes me admin\n", stderr: "" });
    expect(await scopesOf("root")).toEqual(["me", "admin"]);
  });

  it("refuses an unknown scope or user with exit 1 and one line, changing nothing", async () => {
    const unknownScope = await gatehouse(["users", "set-scopes", "root", "me superuser"]);
    expect(unknownScope.code).toBe(1);
    expect(unknownScope.stderr).toBe("gatehouse: unknown scope: superuser\n");
    const unknownUser = await gatehouse(["users", "set-scopes", "ghost", "me"]);
    expect(unknownUser).toEqual({ code: 1, stdout: "", stderr: 'gatehouse: user "ghost" not found\n' });
    expect(await scopesOf("root")).toEqual(["me", "admin"]);
  });

  it("exits 2 naming the missing argument", async () => {
    const run = await gatehouse(["users", "set-scopes", "root"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("scopes");
  });
});
