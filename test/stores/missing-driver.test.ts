import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { buildIfStale } from "../support/build.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

// A loader hook that makes the database drivers look uninstalled: they are resolved from a
// directory with no node_modules, so Node itself throws its ERR_MODULE_NOT_FOUND.
const UNINSTALL_DRIVERS = `
  import { register } from "node:module";
  register("data:text/javascript," + encodeURIComponent(\`
    const missing = /^(pg|ioredis|better-sqlite3)$/;
    export async function resolve(specifier, context, next) {
      if (missing.test(specifier)) return next(specifier, { ...context, parentURL: "file:///nonexistent/" });
      return next(specifier, context);
    }\`));`;

/** Runs `args` with node, the drivers looking uninstalled. */
function runWithoutDrivers(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(
    process.execPath,
    ["--import", `data:text/javascript,${encodeURIComponent(UNINSTALL_DRIVERS)}`, ...args],
    {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("a store whose driver is not installed", () => {
  beforeAll(() => buildIfStale(), 120_000);

  it.each([
    ["gatehouse/postgres", "npm install pg", "postgresStore('postgres://gatehouse@127.0.0.1:1/gatehouse')"],
    ["gatehouse/redis", "npm install ioredis", "createRedisAttempts('redis://127.0.0.1:1')"],
    ["gatehouse/sqlite", "npm install better-sqlite3", "sqliteStore(':memory:')"],
  ])("%s imports, and opening it fails with store_unavailable saying %s", (entry, install, open) => {
    const script = `
      const store = await import("${entry}");
      try {
        await store.${open};
        console.log("opened");
      } catch (error) {
        console.log(JSON.stringify({ code: error.code, message: error.message }));
      }`;
    const run = runWithoutDrivers(["--input-type=module", "-e", script]);
    expect(run.stderr).toBe("");
    const failure = JSON.parse(run.stdout) as { code: string; message: string };
    expect(failure.code).toBe("store_unavailable");
    expect(failure.message).toMatch(new RegExp(`needs the \\S+ package, which is not installed: ${install}$`));
  });

  it("the CLI says which package to install for a postgres:// database, and exits 1", () => {
    const run = runWithoutDrivers([
      join(root, "bin/gatehouse.js"),
      "users",
      "list",
      "--database",
      "postgres://gatehouse:secret@127.0.0.1:1/gatehouse",
    ]);
    expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 1, stdout: "" });
    expect(run.stderr).toContain("npm install pg");
    expect(run.stderr).not.toContain("secret");
  });
});
