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
  server = await startServerProcess(["--database", `sqlite:${database}`, "--demo"]);
  app = await startExample(join(examples.dir, "node-http-app.js"), {
    DATABASE_PATH: database,
    GATEHOUSE_ISSUER: server.url,
    PORT: "0",
  });
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await server?.stop();
  examples?.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

async function login(): Promise<string> {
  const response = await fetch(`${server.url}/token`, {
    method: "POST",
    body: new URLSearchParams({ username: "johndoe", password: "secret" }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

async function items(authorization?: string): Promise<{ status: number; challenge: string | null; body: unknown }> {
  const response = await fetch(`${app.url}/items`, authorization === undefined ? {} : { headers: { authorization } });
  return { status: response.status, challenge: response.headers.get("www-authenticate"), body: await response.json() };
}

function cli(...args: string[]): void {
  execFileSync(process.execPath, [join(root, "bin/gatehouse.js"), ...args, "--database", `sqlite:${database}`], {
    cwd: root,
    stdio: "pipe",
  });
}

describe("examples/node-http-app.ts", () => {
  it("serves /items to a token the Gatehouse server issued", async () => {
    expect(await items(`Bearer ${await login()}`)).toEqual({
      status: 200,
      challenge: null,
      body: { owner: "johndoe", items: [] },
    });
  });

  it.each([
    ["no token", undefined, "Bearer", "Not authenticated"],
    ["a malformed token", "Bearer x.y.z", 'Bearer error="invalid_token", scope="me"', "Could not validate credentials"],
  ])("answers %s with 401 and the contract's challenge and body", async (_name, authorization, challenge, detail) => {
    expect(await items(authorization)).toEqual({ status: 401, challenge, body: { detail } });
  });

  it("refuses a token revoked at the server", async () => {
    const token = await login();
    await fetch(`${server.url}/logout`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
    expect((await items(`Bearer ${token}`)).status).toBe(401);
  });

  it("refuses a user disabled with the CLI, with 400 Inactive user, and serves them again once enabled", async () => {
    const token = await login();
    cli("users", "disable", "johndoe");
    try {
      await expect
        .poll(async () => (await items(`Bearer ${token}`)).body, { timeout: 20_000, interval: 200 })
        .toEqual({ detail: "Inactive user" });
    } finally {
      cli("users", "enable", "johndoe");
    }
    await expect.poll(async () => (await items(`Bearer ${await login()}`)).status, { timeout: 20_000 }).toBe(200);
  });
});
