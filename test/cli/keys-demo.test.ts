import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPasswordHasher } from "../../src/core/index.js";
import { createTempDatabase, inspectDatabase, runTestCli } from "./cli-harness.js";

describe("gatehouse keys rotate", () => {
  let db: ReturnType<typeof createTempDatabase>;
  beforeEach(() => {
    db = createTempDatabase();
  });
  afterEach(() => db.remove());

  it("adds a new current key, prints its kid, and keeps the old key for verification", async () => {
    const first = await runTestCli(["keys", "rotate", "--database", db.url]);
    const second = await runTestCli(["keys", "rotate", "--database", db.url]);
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    const kid = second.stdout.trim();
    expect(kid).not.toBe(first.stdout.trim());
    await inspectDatabase(db.path, async (store) => {
      const keys = await store.listSigningKeys();
      expect(keys.filter((key) => key.supersededAt === null).map((key) => key.kid)).toEqual([kid]);
      expect(keys.map((key) => key.kid)).toContain(first.stdout.trim());
    });
  });

  it("refuses with exit 1 when the key comes from GATEHOUSE_SECRET_KEY", async () => {
    const run = await runTestCli(["keys", "rotate", "--database", db.url], {
      env: { GATEHOUSE_SECRET_KEY: "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7" },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("gatehouse: the HS256 key comes from GATEHOUSE_SECRET_KEY; change it there to rotate\n");
  });
});

describe("gatehouse demo", () => {
  let db: ReturnType<typeof createTempDatabase>;
  beforeEach(() => {
    db = createTempDatabase();
  });
  afterEach(() => db.remove());

  it("adds johndoe and a disabled alice with the tutorial passwords, then nothing on a second run", async () => {
    const first = await runTestCli(["demo", "--database", db.url]);
    expect(first).toEqual({
      code: 0,
      stdout: 'Added demo user johndoe (password "secret")\nAdded demo user alice (password "secretalice", disabled)\n',
      stderr: "",
    });
    const hasher = createPasswordHasher();
    await inspectDatabase(db.path, async (store) => {
      const johndoe = await store.findUserByUsername("johndoe");
      const alice = await store.findUserByUsername("alice");
      expect(johndoe).toMatchObject({ email: "johndoe@example.com", fullName: "John Doe", disabled: false });
      expect(alice).toMatchObject({ email: "alicechains@example.com", fullName: "Alice Chains", disabled: true });
      expect((await hasher.verify("secret", johndoe?.passwordHash ?? "")).ok).toBe(true);
      expect((await hasher.verify("secretalice", alice?.passwordHash ?? "")).ok).toBe(true);
    });
    const second = await runTestCli(["demo", "--database", db.url]);
    expect(second.stdout).toBe("The demo users are there already; nothing added.\n");
  });
});
