import { describe, expect, it } from "vitest";
import { CliError } from "../../src/cli/io.js";
import { reportError } from "../../src/cli/report-error.js";
import { GatehouseError } from "../../src/core/index.js";
import { createTestIo, runTestCli } from "./cli-harness.js";

describe("gatehouse usage and help", () => {
  it.each([
    [["--help"], "Usage: gatehouse"],
    [["users", "--help"], "Usage: gatehouse users"],
    [["users", "add", "--help"], "--password-stdin"],
    [["users", "list", "--help"], "--database <url>"],
    [["keys", "rotate", "--help"], "--database <url>"],
    [["serve", "--help"], "--port <port>"],
    [["demo", "--help"], "--database <url>"],
  ])("%j prints help on stdout and exits 0", async (args, expected) => {
    const run = await runTestCli(args);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(expected);
    expect(run.stderr).toBe("");
  });

  it("prints the package version", async () => {
    const run = await runTestCli(["--version"]);
    expect(run).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it.each([
    ["an unknown command", ["frobnicate"]],
    ["an unknown subcommand", ["users", "frobnicate"]],
    ["an unknown option", ["users", "list", "--colour"]],
    ["a missing argument", ["users", "show"]],
    ["an extra argument", ["users", "show", "a", "b"]],
    ["a missing option value", ["users", "list", "--database"]],
    ["no command at all", []],
  ])("exits 2 on %s", async (_, args) => {
    const run = await runTestCli(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).not.toBe("");
  });

  it("prefixes usage errors with the program name", async () => {
    const run = await runTestCli(["users", "list", "--colour"]);
    expect(run.stderr.split("\n")[0]).toBe("gatehouse: unknown option '--colour'");
  });
});

describe("gatehouse configuration errors", () => {
  it.each([
    ["a bad algorithm", { GATEHOUSE_ALGORITHM: "none" }, "GATEHOUSE_ALGORITHM"],
    ["a bad TTL", { GATEHOUSE_ACCESS_TOKEN_TTL: "soon" }, "GATEHOUSE_ACCESS_TOKEN_TTL"],
  ])("exits 1 with one line on %s", async (_, env, fragment) => {
    const run = await runTestCli(["users", "list", "--database", "memory:"], { env });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^gatehouse: [^\n]+\n$/);
    expect(run.stderr).toContain(fragment);
  });

  it("lets a flag win over the environment", async () => {
    const run = await runTestCli(["users", "list", "--database", "memory:", "--algorithm", "HS256"], {
      env: { GATEHOUSE_ALGORITHM: "none" },
    });
    expect(run.code).toBe(0);
  });

  it("ignores serve-only settings such as PORT in management commands", async () => {
    const run = await runTestCli(["users", "list", "--database", "memory:"], { env: { PORT: "eighty" } });
    expect(run.code).toBe(0);
  });

  it("exits 1 with one line and no stack on a bad database URL", async () => {
    const run = await runTestCli(["users", "list", "--database", "mysql://localhost/x"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^gatehouse: [^\n]+\n$/);
  });

  it("reads the database URL from GATEHOUSE_DATABASE_URL", async () => {
    const run = await runTestCli(["users", "list"], { env: { GATEHOUSE_DATABASE_URL: "bogus:" } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^gatehouse: [^\n]+\n$/);
  });
});

describe("reportError", () => {
  it("prints an unexpected error as one line without its stack", () => {
    const { io, stderr } = createTestIo();
    expect(reportError(new Error("disk on fire\n    at somewhere (x.js:1:1)"), io)).toBe(1);
    expect(stderr.text).toBe("gatehouse: disk on fire at somewhere (x.js:1:1)\n");
  });

  it("adds the stack and causes with GATEHOUSE_DEBUG=1", () => {
    const { io, stderr } = createTestIo({ env: { GATEHOUSE_DEBUG: "1" } });
    reportError(new Error("outer", { cause: new Error("inner") }), io);
    expect(stderr.text).toContain("gatehouse: outer\n");
    expect(stderr.text).toContain("Caused by: Error: inner");
  });

  it("names the driver's reason for an unavailable store", () => {
    const { io, stderr } = createTestIo();
    const error = new GatehouseError("store_unavailable", "the database is unavailable", {
      cause: new Error("SQLITE_CANTOPEN: unable to open database file"),
    });
    expect(reportError(error, io)).toBe(1);
    expect(stderr.text).toBe("gatehouse: the database is unavailable: SQLITE_CANTOPEN: unable to open database file\n");
  });

  it("keeps a usage CliError's exit code 2", () => {
    const { io } = createTestIo();
    expect(reportError(new CliError("bad", 2), io)).toBe(2);
  });
});
