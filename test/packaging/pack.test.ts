import { execFile, execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ExampleProcess, startExample } from "../examples/example-process.js";
import { buildIfStale } from "../support/build.js";

/**
 * What a user gets from npm: the packed tarball installed into an empty project, with
 * `--ignore-scripts` (so no native addon is built), type-checked with `skipLibCheck: false`.
 */

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const tsc = join(root, "node_modules/typescript/bin/tsc");
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  exports: Record<string, unknown>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const QUIET = ["--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"];

let work: string;
let project: string;
let fastifyApp: ExampleProcess | undefined;

/** Runs a command in the project; its output on failure says why. */
async function inProject(command: string, args: string[], options: { timeoutMs: number; env?: NodeJS.ProcessEnv }) {
  try {
    return await run(command, args, {
      cwd: project,
      env: { ...process.env, ...options.env },
      timeout: options.timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(" ")} failed: ${stdout}${stderr}`, { cause: error });
  }
}

/** Runs an ES module script with node in the project, where `gatehouse` resolves to the installed package. */
async function nodeScript(script: string): Promise<string> {
  return (await inProject(process.execPath, ["--input-type=module", "-e", script], { timeoutMs: 60_000 })).stdout;
}

beforeAll(async () => {
  buildIfStale();
  work = mkdtempSync(join(tmpdir(), "gatehouse-pack-"));
  project = join(work, "app");
  mkdirSync(project);
  // dist/ is built: packing need not run `prepare` again.
  const packed = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], {
    cwd: root,
    timeout: 60_000,
  });
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
  writeFileSync(
    join(project, "package.json"),
    `${JSON.stringify({ name: "consumer", private: true, type: "module" })}\n`,
  );
  const started = performance.now();
  const installed = await inProject("npm", ["install", join(work, filename), ...QUIET], { timeoutMs: 150_000 });
  const seconds = (performance.now() - started) / 1000;
  const { stdout: du } = await inProject("du", ["-sk", "node_modules"], { timeoutMs: 30_000 });
  const { stdout: listed } = await inProject("npm", ["ls", "--all", "--parseable"], { timeoutMs: 30_000 });
  const megabytes = Number(du.split("\t")[0]) / 1024;
  const packages = listed.trim().split("\n").length - 1;
  // What a verify-only resource server installs (`npm install gatehouse`, no scripts run), for the record.
  console.log(
    `verify-only install: ${packages} packages, ${megabytes.toFixed(1)} MB in node_modules, ${seconds.toFixed(1)} s ${installed.stdout.trim()}`,
  );
}, 180_000);

afterAll(async () => {
  await fastifyApp?.stop();
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe("the packed package in an empty project", () => {
  it("installs without building anything, and without the optional drivers pg and ioredis", () => {
    const modules = join(project, "node_modules");
    expect(existsSync(join(modules, "gatehouse/dist/http/verify/index.js"))).toBe(true);
    expect(existsSync(join(modules, "better-sqlite3/build"))).toBe(false);
    expect(existsSync(join(modules, "pg"))).toBe(false);
    expect(existsSync(join(modules, "ioredis"))).toBe(false);
  });

  it("loads gatehouse/verify, /web and /express with no native addon built", async () => {
    const output = await nodeScript(`
      const verify = await import("gatehouse/verify");
      const web = await import("gatehouse/web");
      const express = await import("gatehouse/express");
      const verifier = verify.createRemoteVerifier({ secret: "a-shared-secret-of-enough-length", issuer: "https://issuer.test" });
      const result = await web.bearerAuth(verifier)(new Request("http://x/", { headers: { authorization: "Bearer x.y.z" } }));
      console.log(result.ok ? "accepted" : result.response.status, typeof express.requireBearer);`);
    expect(output.trim()).toBe("401 function");
  });

  it("imports every entry point, and opening a store whose driver is missing or unbuilt names the fix", async () => {
    const entries = consumerEntries();
    const output = await nodeScript(`
      for (const entry of ${JSON.stringify(entries)}) await import(entry.replace(/^\\./, "gatehouse"));
      const { postgresStore } = await import("gatehouse/postgres");
      const { sqliteStore } = await import("gatehouse/sqlite");
      for (const open of [() => postgresStore("postgres://127.0.0.1:1/x"), () => sqliteStore(":memory:")]) {
        await open().then(() => console.log("opened"), (error) => console.log(error.code, error.message));
      }`);
    expect(output.trim().split("\n")).toEqual([
      "store_unavailable the PostgreSQL store (gatehouse/postgres) needs the pg package, which is not installed: npm install pg",
      "store_unavailable better-sqlite3's native addon is not built (installed with --ignore-scripts?): npm rebuild better-sqlite3",
    ]);
  });

  it("type-checks every example and every entry point with strict settings and skipLibCheck: false", async () => {
    // What the examples' own projects would add: the frameworks and their types.
    const versions = { ...manifest.dependencies, ...manifest.devDependencies };
    const extras = ["fastify", "express", "@types/express", "hono", "@types/node"].map(
      (name) => `${name}@${versions[name]}`,
    );
    await inProject("npm", ["install", ...extras, ...QUIET], { timeoutMs: 120_000 });
    for (const file of readdirSync(join(root, "examples")).filter((name) => name.endsWith(".ts"))) {
      copyFileSync(join(root, "examples", file), join(project, file));
    }
    const entries = consumerEntries();
    writeFileSync(
      join(project, "entries.ts"),
      `${entries.map((entry, index) => `import * as entry${index} from "${entry.replace(/^\./, "gatehouse")}";`).join("\n")}\nexport const entries = [${entries.map((_, index) => `entry${index}`).join(", ")}];\n`,
    );
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2023",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          lib: ["ES2023"],
          types: ["node"],
          strict: true,
          noUncheckedIndexedAccess: true,
          verbatimModuleSyntax: true,
          isolatedModules: true,
          skipLibCheck: false,
          outDir: "dist",
          rootDir: ".",
        },
        include: ["*.ts"],
      }),
    );
    await inProject(process.execPath, [tsc, "-p", "tsconfig.json"], { timeoutMs: 120_000 });
    expect(existsSync(join(project, "dist/fastify-app.js"))).toBe(true);
  }, 180_000);

  it("runs the Fastify example on SQLite once better-sqlite3 is rebuilt", async () => {
    await inProject("npm", ["rebuild", "better-sqlite3", "--loglevel=error"], {
      timeoutMs: 170_000,
      env: sqlitePrebuildEnv(),
    });
    const database = join(project, "gatehouse.db");
    // The installed CLI adds the tutorial's users, as `npx gatehouse demo` would.
    await inProject(
      process.execPath,
      ["node_modules/gatehouse/bin/gatehouse.js", "demo", "--database", `sqlite:${database}`],
      {
        timeoutMs: 60_000,
      },
    );
    fastifyApp = await startExample(join(project, "dist/fastify-app.js"), { DATABASE_PATH: database, PORT: "0" });
    const login = await fetch(`${fastifyApp.url}/token`, {
      method: "POST",
      body: new URLSearchParams({ username: "johndoe", password: "secret" }),
    });
    expect(login.status).toBe(200);
    const { access_token } = (await login.json()) as { access_token: string };
    const items = await fetch(`${fastifyApp.url}/items`, { headers: { authorization: `Bearer ${access_token}` } });
    expect({ status: items.status, body: await items.json() }).toEqual({
      status: 200,
      body: { owner: "johndoe", items: [] },
    });
  }, 180_000);
});

/**
 * The entries an app imports. gatehouse/testing is left out: it is the store conformance suite,
 * imported by a store's own tests where vitest (its optional peer) is installed.
 */
function consumerEntries(): string[] {
  return Object.keys(manifest.exports).filter((entry) => entry !== "./package.json" && entry !== "./testing");
}

/**
 * better-sqlite3's install script (`prebuild-install || node-gyp rebuild`) downloads a prebuilt
 * addon from GitHub, or compiles SQLite (80 s and more on two busy cores) when it cannot. This
 * repository's own node_modules holds the same version, already built, so it is offered as a
 * local prebuilt: the same install script runs, without a download or a compiler.
 * GATEHOUSE_TEST_SQLITE_FROM_SOURCE=1 skips that and builds as a user without a prebuilt would.
 */
function sqlitePrebuildEnv(): NodeJS.ProcessEnv {
  const built = join(root, "node_modules/better-sqlite3/build/Release/better_sqlite3.node");
  const ours = JSON.parse(readFileSync(join(root, "node_modules/better-sqlite3/package.json"), "utf8")) as {
    version: string;
  };
  const theirs = JSON.parse(readFileSync(join(project, "node_modules/better-sqlite3/package.json"), "utf8")) as {
    version: string;
  };
  if (process.env.GATEHOUSE_TEST_SQLITE_FROM_SOURCE === "1" || !existsSync(built) || ours.version !== theirs.version) {
    return {};
  }
  const prebuilds = join(work, "prebuilds");
  mkdirSync(join(prebuilds, "stage/build/Release"), { recursive: true });
  copyFileSync(built, join(prebuilds, "stage/build/Release/better_sqlite3.node"));
  const report = process.report.getReport() as { header?: { glibcVersionRuntime?: string } };
  const libc = process.platform === "linux" && report.header?.glibcVersionRuntime === undefined ? "musl" : "";
  const name = `better-sqlite3-v${ours.version}-node-v${process.versions.modules}-${process.platform}${libc}-${process.arch}.tar.gz`;
  // A gzipped tar holding build/Release/better_sqlite3.node, as prebuild-install unpacks it.
  execFileSync("tar", ["-czf", join(prebuilds, name), "-C", join(prebuilds, "stage"), "build"]);
  return { npm_config_better_sqlite3_local_prebuilds: prebuilds };
}
