import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGatehouse } from "../../src/core/index.js";
import { buildServer } from "../../src/server/build-server.js";
import { createTempDatabase, inspectDatabase, runTestCli } from "./cli-harness.js";

// passlib's bcrypt of "secret", as the FastAPI tutorial stores it.
const BCRYPT_SECRET = "$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW";

// FastAPI's tutorial model declares `email: str | None = None`, so real exports lack it.
describe("users import of records without an e-mail", () => {
  let db: ReturnType<typeof createTempDatabase>;
  beforeEach(() => {
    db = createTempDatabase();
  });
  afterEach(() => db.remove());

  it("imports JSON records with no, null or empty email and CSV without an email column", async () => {
    const json = join(db.dir, "users.json");
    writeFileSync(
      json,
      JSON.stringify([
        { username: "nomail", hashed_password: BCRYPT_SECRET },
        { username: "nullmail", email: null, hashed_password: BCRYPT_SECRET },
        { username: "emptymail", email: "", hashed_password: BCRYPT_SECRET },
      ]),
    );
    const csv = join(db.dir, "users.csv");
    writeFileSync(csv, `username,full_name,hashed_password\ncsvuser,CSV User,${BCRYPT_SECRET}\n`);
    expect(await runTestCli(["users", "import", json, "--database", db.url])).toEqual({
      code: 0,
      stdout: "imported 3, skipped 0, rejected 0\n",
      stderr: "",
    });
    expect((await runTestCli(["users", "import", csv, "--database", db.url])).code).toBe(0);
    const show = await runTestCli(["users", "show", "csvuser", "--json", "--database", db.url]);
    expect(JSON.parse(show.stdout)).toMatchObject({ username: "csvuser", email: "", full_name: "CSV User" });
  });

  it("still rejects an email that is there but invalid, with the reason", async () => {
    const json = join(db.dir, "users.json");
    writeFileSync(json, JSON.stringify([{ username: "bad", email: "not-an-address", hashed_password: BCRYPT_SECRET }]));
    const run = await runTestCli(["users", "import", json, "--database", db.url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('rejected "bad": email must be a valid e-mail address');
  });

  it("lets such a user log in, shows an empty email at /users/me, and lets them set one", async () => {
    const json = join(db.dir, "users.json");
    writeFileSync(json, JSON.stringify([{ username: "johndoe", hashed_password: BCRYPT_SECRET }]));
    expect((await runTestCli(["users", "import", json, "--database", db.url])).code).toBe(0);
    await inspectDatabase(db.path, async (store) => {
      const gatehouse = await createGatehouse({ store, throttle: false });
      const app = await buildServer({ gatehouse, logLevel: "error" });
      try {
        const login = await app.inject({
          method: "POST",
          url: "/token",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          payload: "username=johndoe&password=secret",
        });
        expect(login.statusCode).toBe(200);
        const authorization = `Bearer ${login.json().access_token}`;
        const me = await app.inject({ method: "GET", url: "/users/me", headers: { authorization } });
        expect(me.statusCode).toBe(200);
        expect(me.json()).toMatchObject({ username: "johndoe", email: "" });
        const patch = await app.inject({
          method: "PATCH",
          url: "/users/me",
          headers: { authorization },
          payload: { email: "johndoe@example.com" },
        });
        expect(patch.statusCode).toBe(200);
        expect(patch.json()).toMatchObject({ email: "johndoe@example.com" });
      } finally {
        await app.close();
      }
    });
  });
});
