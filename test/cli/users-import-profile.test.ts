import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTempDatabase, inspectDatabase, runTestCli } from "./cli-harness.js";

// passlib's CryptContext(schemes=["bcrypt"]).hash("secret"), as in FastAPI's tutorial.
const BCRYPT_SECRET = "$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW";

describe("gatehouse users import with GATEHOUSE_PROFILE_SCHEMA", () => {
  let db: ReturnType<typeof createTempDatabase>;
  let env: Record<string, string>;

  beforeEach(() => {
    db = createTempDatabase();
    const schema = join(db.dir, "profile.json");
    writeFileSync(
      schema,
      JSON.stringify({
        type: "object",
        properties: { department: { type: "string", enum: ["sales", "engineering"] }, level: { type: "integer" } },
        additionalProperties: false,
      }),
    );
    env = { GATEHOUSE_PROFILE_SCHEMA: schema };
  });
  afterEach(() => db.remove());

  const profiles = () =>
    inspectDatabase(db.path, async (store) =>
      Object.fromEntries(
        (await store.listUsers({ limit: 100, cursor: null })).users.map((u) => [u.username, u.profile]),
      ),
    );

  it("stores each record's other fields as its profile, and rejects a record whose fields fail the schema", async () => {
    const file = join(db.dir, "users.json");
    writeFileSync(
      file,
      JSON.stringify([
        { username: "bob", email: "bob@example.com", hashed_password: BCRYPT_SECRET, department: "sales", level: 3 },
        { username: "carol", email: "carol@example.com", hashed_password: BCRYPT_SECRET },
        { username: "dave", email: "dave@example.com", hashed_password: BCRYPT_SECRET, department: "hr" },
      ]),
    );
    const run = await runTestCli(["users", "import", file, "--database", db.url], { env });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("imported 2, skipped 0, rejected 1\n");
    expect(run.stderr).toContain("profile department: must be equal to one of the allowed values");
    expect(await profiles()).toEqual({ bob: { department: "sales", level: 3 }, carol: {} });
  });

  it("without GATEHOUSE_PROFILE_SCHEMA ignores other fields, as before", async () => {
    const file = join(db.dir, "users.json");
    writeFileSync(
      file,
      JSON.stringify([{ username: "bob", email: "bob@example.com", hashed_password: BCRYPT_SECRET, id: 7 }]),
    );
    const run = await runTestCli(["users", "import", file, "--database", db.url]);
    expect(run).toMatchObject({ code: 0, stdout: "imported 1, skipped 0, rejected 0\n" });
    expect(await profiles()).toEqual({ bob: {} });
  });

  it("lets users add create a user with an empty profile when the schema requires no field", async () => {
    const run = await runTestCli(
      ["users", "add", "erin", "--email", "erin@example.com", "--password-stdin", "--database", db.url],
      {
        env,
        stdin: "a-long-password\n",
      },
    );
    expect(run.code).toBe(0);
    expect(await profiles()).toEqual({ erin: {} });
  });
});
