import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createProgram } from "../../src/cli/program.js";
import { createTempDatabase, createTestIo, runTestCli } from "./cli-harness.js";

const ONE_LINE = /^gatehouse: [^\n]+\n$/;

/** Every command that runs something (`users add`, `keys rotate`, …), as its argv prefix. */
function leafCommands(command: Command, path: string[] = []): string[][] {
  if (command.commands.length === 0) return [path];
  return command.commands.flatMap((child) => leafCommands(child, [...path, child.name()]));
}

describe("bad flag values are named as typed", () => {
  it.each([
    [["serve", "--port", "abc"], "--port must be a whole number"],
    [["serve", "--port", "70000"], "--port must be a whole number"],
    [["serve", "--trust-proxy", "many"], "--trust-proxy must be a whole number"],
    [["serve", "--metrics", "loud"], "--metrics must be one of"],
    [["serve", "--refresh-reuse-interval", "-1"], "--refresh-reuse-interval must be a whole number"],
    [["serve", "--session-max-age", "forever"], "--session-max-age must be a whole number"],
    [["serve", "--workers", "lots"], "--workers must be a whole number"],
    [["users", "list", "--algorithm", "none"], "--algorithm must be one of"],
    [["users", "list", "--access-token-ttl", "soon"], "--access-token-ttl must be a whole number"],
    [["users", "list", "--refresh-token-ttl", "1.5"], "--refresh-token-ttl must be a whole number"],
    [["users", "list", "--issuer", "not a url"], "--issuer: "],
    [["keys", "list", "--access-token-ttl", "0"], "--access-token-ttl must be a whole number"],
  ])("%j exits 2 with a one-line message about the flag", async (args, message) => {
    const run = await runTestCli([...args, "--database", "memory:"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(ONE_LINE);
    expect(run.stderr).toContain(`gatehouse: ${message}`);
    expect(run.stdout).toBe("");
  });

  it.each([
    [["serve"], { PORT: "abc" }, "PORT must be a whole number"],
    [["serve"], { GATEHOUSE_WORKERS: "lots" }, "GATEHOUSE_WORKERS must be a whole number"],
    [["serve"], { GATEHOUSE_METRICS: "loud" }, "GATEHOUSE_METRICS must be one of"],
    [["users", "list"], { GATEHOUSE_ACCESS_TOKEN_TTL: "soon" }, "GATEHOUSE_ACCESS_TOKEN_TTL must be a whole number"],
    [["users", "list"], { GATEHOUSE_ISSUER: "not a url" }, "GATEHOUSE_ISSUER: "],
  ])("%j with %j from the environment names the variable and exits 1", async (args, env, message) => {
    const run = await runTestCli([...args, "--database", "memory:"], { env });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(ONE_LINE);
    expect(run.stderr).toContain(`gatehouse: ${message}`);
  });

  it("names the flag when both the flag and the variable are set, since the flag wins", async () => {
    const run = await runTestCli(["serve", "--port", "abc", "--database", "memory:"], { env: { PORT: "8000" } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("gatehouse: --port must be");
    expect(run.stderr).not.toContain("PORT must");
  });
});

describe("unknown options", () => {
  const program = createProgram(createTestIo().io);
  const leaves = leafCommands(program);

  it("covers every command", () => {
    expect(leaves.map((path) => path.join(" "))).toEqual(
      expect.arrayContaining(["serve", "users add", "users import", "sessions revoke", "audit", "keys list", "demo"]),
    );
  });

  it.each(leaves.map((path) => [path.join(" "), path]))("%s suggests the option meant and exits 2", async (_, path) => {
    const run = await runTestCli([...path, "--databse", "memory:"]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("gatehouse: unknown option '--databse'");
    expect(run.stderr).toContain("(Did you mean --database?)");
  });

  it("suggests --email for users add bob --emial (regression: it said --email was missing)", async () => {
    const run = await runTestCli(["users", "add", "bob", "--emial", "bob@example.com", "--database", "memory:"]);
    expect(run.code).toBe(2);
    expect(run.stderr.split("\n").slice(0, 2)).toEqual([
      "gatehouse: unknown option '--emial'",
      "(Did you mean --email?)",
    ]);
  });
});

describe("users add reports the first mistake first", () => {
  it("says the username is missing before anything about --email", async () => {
    const run = await runTestCli(["users", "add", "--database", "memory:"]);
    expect(run.code).toBe(2);
    expect(run.stderr.split("\n")[0]).toBe("gatehouse: missing required argument 'username'");
  });

  it("says --email is missing once the username is there, exit 2", async () => {
    const run = await runTestCli(["users", "add", "bob", "--database", "memory:", "--password-stdin"], {
      stdin: "a good password\n",
    });
    expect(run).toEqual({
      code: 2,
      stdout: "",
      stderr: "gatehouse: required option '--email <email>' not specified\n",
    });
  });

  it.each([
    ["empty standard input", ""],
    ["a lone newline", "\n"],
  ])("says no password was given on %s, not the length rule", async (_, stdin) => {
    const run = await runTestCli(
      ["users", "add", "bob", "--email", "bob@example.com", "--password-stdin", "--database", "memory:"],
      { stdin },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("gatehouse: no password given on standard input (--password-stdin)\n");
  });
});

describe("a SQLite file that does not exist", () => {
  let db: ReturnType<typeof createTempDatabase>;
  beforeEach(() => {
    db = createTempDatabase({ create: false });
  });
  afterEach(() => db.remove());

  it.each([
    [["users", "list"]],
    [["users", "show", "bob"]],
    [["users", "add", "bob", "--email", "bob@example.com", "--password-stdin"]],
    [["users", "disable", "bob"]],
    [["users", "set-scopes", "bob", "me"]],
    [["users", "logout", "bob"]],
    [["sessions", "list", "bob"]],
    [["audit"]],
    [["keys", "rotate"]],
    [["keys", "list"]],
  ])("is refused by %j with exit 1, naming the path, and not created", async (args) => {
    const run = await runTestCli([...args, "--database", db.url], { stdin: "a good password\n" });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(ONE_LINE);
    expect(run.stderr).toContain(`no database at ${JSON.stringify(db.path)}`);
    expect(existsSync(db.path)).toBe(false);
  });

  it("is refused when it comes from GATEHOUSE_DATABASE_URL too (regression: a typo printed No users.)", async () => {
    const typo = join(db.dir, "gatehuose.db");
    const run = await runTestCli(["users", "list"], { env: { GATEHOUSE_DATABASE_URL: `sqlite:${typo}` } });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(JSON.stringify(typo));
    expect(existsSync(typo)).toBe(false);
  });

  it("is refused by users import", async () => {
    const file = join(db.dir, "users.csv");
    writeFileSync(file, "username,hashed_password\n");
    const run = await runTestCli(["users", "import", file, "--database", db.url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`no database at ${JSON.stringify(db.path)}`);
    expect(existsSync(db.path)).toBe(false);
  });

  it("is created by demo", async () => {
    const run = await runTestCli(["demo", "--database", db.url]);
    expect(run.code).toBe(0);
    expect(existsSync(db.path)).toBe(true);
    expect((await runTestCli(["users", "list", "--database", db.url])).stdout).toContain("johndoe");
  });

  it("is not a concern for sqlite::memory: and memory:", async () => {
    expect((await runTestCli(["users", "list", "--database", "sqlite::memory:"])).code).toBe(0);
    expect((await runTestCli(["users", "list", "--database", "memory:"])).code).toBe(0);
  });
});
