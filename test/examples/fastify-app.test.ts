import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "../process/server-process.js";
import { type CompiledExamples, compileExamples, type ExampleProcess, startExample } from "./example-process.js";

const root = resolve(import.meta.dirname, "../..");
let examples: CompiledExamples;
let dataDir: string;
let database: string;
let server: ServerProcess;
let app: ExampleProcess;

beforeAll(async () => {
  examples = compileExamples();
  dataDir = mkdtempSync(join(tmpdir(), "gatehouse-example-"));
  database = join(dataDir, "gatehouse.db");
  // The real server creates the database, its signing key and the tutorial's users. With one
  // issuer for both, each accepts the other's tokens.
  const issuer = "https://auth.example.test";
  server = await startServerProcess(["--database", `sqlite:${database}`, "--demo"], { GATEHOUSE_ISSUER: issuer });
  app = await startExample(join(examples.dir, "fastify-app.js"), {
    DATABASE_PATH: database,
    GATEHOUSE_ISSUER: issuer,
    PORT: "0",
  });
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await server?.stop();
  examples?.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

async function login(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/token`, {
    method: "POST",
    body: new URLSearchParams({ username: "johndoe", password: "secret" }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

function items(token?: string): Promise<Response> {
  return fetch(`${app.url}/items`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
}

function keyId(token: string): string {
  const header = JSON.parse(Buffer.from(token.split(".")[0] as string, "base64url").toString()) as { kid: string };
  return header.kid;
}

describe("examples/fastify-app.ts", () => {
  it("logs a user in at its own /token and serves /items to them", async () => {
    const response = await items(await login(app.url));
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 200,
      body: { owner: "johndoe", items: [] },
    });
  });

  it("accepts a token the Gatehouse server issued over the same database", async () => {
    expect((await items(await login(server.url))).status).toBe(200);
  });

  it("answers 401 with a Bearer challenge without a token", async () => {
    const response = await items();
    expect({ status: response.status, challenge: response.headers.get("www-authenticate") }).toEqual({
      status: 401,
      challenge: "Bearer",
    });
  });

  it("serves /users/me but not the admin user API", async () => {
    const token = await login(app.url);
    const me = await fetch(`${app.url}/users/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect((await fetch(`${app.url}/users`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
  });

  it("signs with a key rotated from the CLI on its own, without a restart", async () => {
    const before = keyId(await login(app.url));
    // A max-age of 0 makes the new key sign at once (docs/KEYS.md), rather than in 5 minutes.
    execFileSync(
      process.execPath,
      [join(root, "bin/gatehouse.js"), "keys", "rotate", "--database", `sqlite:${database}`],
      {
        cwd: root,
        env: { ...process.env, GATEHOUSE_JWKS_MAX_AGE: "0" },
        stdio: "pipe",
      },
    );
    await expect.poll(async () => keyId(await login(app.url)), { timeout: 20_000, interval: 200 }).not.toBe(before);
    expect((await items(await login(server.url))).status).toBe(200);
  });
});
