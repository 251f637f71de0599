import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPasswordHasher } from "../../src/core/index.js";
import { createTempDatabase, inspectDatabase, runTestCli } from "./cli-harness.js";

describe("gatehouse keys rotate and keys list", () => {
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

  it("adds exactly one key with --algorithm, published now and signing after the JWKS max-age", async () => {
    expect((await runTestCli(["demo", "--database", db.url])).code).toBe(0);
    const run = await runTestCli(["keys", "rotate", "--algorithm", "ES256", "--database", db.url]);
    expect(run.code).toBe(0);
    const kid = run.stdout.trim();
    expect(run.stderr).toMatch(new RegExp(`^gatehouse: ES256 key ${kid} is in the JWKS now and signs from \\S+Z\n$`));
    await inspectDatabase(db.path, async (store) => {
      const keys = await store.listSigningKeys();
      expect(keys.map((key) => key.algorithm)).toEqual(["HS256", "ES256"]);
      const [old, added] = keys;
      expect(added?.kid).toBe(kid);
      expect((old?.supersededAt ?? 0) - (added?.createdAt ?? 0)).toBe(300_000);
    });
  });

  it("lists each key with its state and times, as a table and as JSON", async () => {
    expect((await runTestCli(["demo", "--database", db.url])).code).toBe(0);
    const next = (await runTestCli(["keys", "rotate", "--algorithm", "EdDSA", "--database", db.url])).stdout.trim();
    const json = await runTestCli(["keys", "list", "--json", "--database", db.url]);
    expect(json.code).toBe(0);
    const keys = JSON.parse(json.stdout);
    expect(keys).toEqual([
      {
        kid: next,
        algorithm: "EdDSA",
        state: "next",
        created_at: expect.any(String),
        signs_from: expect.any(String),
        signs_until: null,
        retires_at: null,
      },
      {
        kid: expect.any(String),
        algorithm: "HS256",
        state: "current",
        created_at: expect.any(String),
        signs_from: expect.any(String),
        signs_until: keys[0].signs_from,
        retires_at: expect.any(String),
      },
    ]);
    const table = await runTestCli(["keys", "list", "--database", db.url]);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^KID\s+ALGORITHM\s+STATE\s+CREATED\s+SIGNS FROM\s+SIGNS UNTIL\s+RETIRES$/);
    expect(lines[1]).toMatch(new RegExp(`^${next}\\s+EdDSA\\s+next\\s`));
    expect(lines[2]).toMatch(/\sHS256\s+current\s/);
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
