import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPasswordHasher } from "../../src/core/index.js";
import { buildIfStale } from "../support/build.js";
import { inspectDatabase } from "./cli-harness.js";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "bin/gatehouse.js");
const _built = join(root, "dist/cli/main.js");
const cwd = mkdtempSync(join(tmpdir(), "gatehouse-smoke-"));
const dbPath = join(cwd, "smoke.db");

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("GATEHOUSE_") && name !== "PORT" && name !== "HOST") env[name] = value;
  }
  return { ...env, GATEHOUSE_DATABASE_URL: `sqlite:${dbPath}`, ...extra };
}

function start(args: string[], env = cleanEnv()): ChildProcess {
  return spawn(process.execPath, [bin, ...args], { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
}

/** Runs the binary to completion. */
function gatehouse(args: string[], stdin = "", env?: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
    const child = start(args, env);
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
    child.stdin?.end(stdin);
  });
}

const ONE_LINE = /^gatehouse: [^\n]+\n$/;

// Each spawn pays Node startup plus the core import; a busy machine can take seconds per run.
describe("the gatehouse binary", { timeout: 90_000 }, () => {
  beforeAll(buildIfStale, 120_000);
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it("prints help and exits 0", async () => {
    const run = await gatehouse(["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Usage: gatehouse");
  });

  it("exits 2 on bad usage", async () => {
    const run = await gatehouse(["users", "add", "nobody"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--email");
  });

  it("names a bad flag value as typed with exit 2, and the same value from the environment by its variable with 1", async () => {
    const flag = await gatehouse(["serve", "--port", "abc"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^gatehouse: --port must be a whole number from 0 to 65535 \(got "abc"\)\n$/);
    const env = await gatehouse(["serve"], "", cleanEnv({ PORT: "abc" }));
    expect(env.code).toBe(1);
    expect(env.stderr).toMatch(/^gatehouse: PORT must be a whole number/);
  });

  it("suggests the option meant for a misspelt one, with exit 2", async () => {
    const run = await gatehouse(["users", "add", "bob", "--emial", "bob@example.com"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("(Did you mean --email?)");
  });

  it("refuses a database file that does not exist, naming it, and creates nothing", async () => {
    const run = await gatehouse(["users", "list"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(ONE_LINE);
    expect(run.stderr).toContain(JSON.stringify(dbPath));
    expect(existsSync(dbPath)).toBe(false);
  });

  it("adds a user from standard input (one trailing newline stripped) and manages it", async () => {
    writeFileSync(dbPath, "");
    const add = await gatehouse(
      ["users", "add", "smoky", "--email", "s@example.com", "--password-stdin"],
      "pw smoke 1\n",
    );
    expect(add).toEqual({ code: 0, stdout: "Added user smoky\n", stderr: "" });
    const stored = await inspectDatabase(dbPath, (store) => store.findUserByUsername("smoky"));
    expect((await createPasswordHasher().verify("pw smoke 1", stored?.passwordHash ?? "")).ok).toBe(true);

    expect((await gatehouse(["users", "list"])).stdout).toMatch(
      /^USERNAME +EMAIL.*\nsmoky +s@example\.com +- +no +me\n$/,
    );
    expect((await gatehouse(["users", "disable", "smoky"])).code).toBe(0);
    const show = await gatehouse(["users", "show", "smoky", "--json"]);
    expect(JSON.parse(show.stdout)).toMatchObject({ username: "smoky", disabled: true });
    expect((await gatehouse(["users", "logout", "smoky"])).code).toBe(0);
    expect((await gatehouse(["users", "remove", "smoky"])).stdout).toBe("Removed user smoky\n");
    expect((await gatehouse(["users", "list", "--json"])).stdout).toBe("[]\n");
  });

  it("refuses a duplicate user with exit 1 and one line", async () => {
    const args = ["users", "add", "twice", "--email", "t@example.com", "--password-stdin"];
    expect((await gatehouse(args, "long enough\n")).code).toBe(0);
    const again = await gatehouse(args, "long enough\n");
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(ONE_LINE);
  });

  it("reports an unknown user with exit 1, one line and no stack trace", async () => {
    const run = await gatehouse(["users", "show", "ghost"]);
    expect(run).toEqual({ code: 1, stdout: "", stderr: 'gatehouse: user "ghost" not found\n' });
  });

  it("reports a bad database URL with exit 1 and one line", async () => {
    const run = await gatehouse(["users", "list"], "", cleanEnv({ GATEHOUSE_DATABASE_URL: "oracle://db/x" }));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(ONE_LINE);
  });

  it("serves on the default SQLite file, prints its URL, and exits 0 on SIGTERM", async () => {
    const env = cleanEnv();
    delete env.GATEHOUSE_DATABASE_URL;
    const child = start(["serve", "--port", "0"], env);
    let stdout = "";
    const url = await new Promise<string>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`no URL printed: ${stdout}`)), 45_000);
      child.stdout?.on("data", (chunk: Buffer) => {
        stdout += chunk;
        const match = /^Gatehouse listening on (http:\/\/\S+)$/m.exec(stdout);
        if (match?.[1]) {
          clearTimeout(timer);
          done(match[1]);
        }
      });
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(existsSync(join(cwd, "gatehouse.db"))).toBe(true);
    const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
