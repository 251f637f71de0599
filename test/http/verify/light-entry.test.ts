import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { buildIfStale } from "../../support/build.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
// What a resource server may load: no package at all (signatures are checked with WebCrypto),
// so no hasher, no database driver, no native addon, no web framework of ours.
const ALLOWED = new Set<string>();

/** Every package a built entry point loads, following its relative imports through dist/. */
function packagesLoadedBy(entry: string): Set<string> {
  return modulesLoadedBy(entry).packages;
}

/** The packages and the Node built-ins (`node:…`) a built entry point loads, through dist/. */
function modulesLoadedBy(entry: string): { packages: Set<string>; builtins: Set<string> } {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const builtins = new Set<string>();
  const pending = [resolve(root, entry)];
  const importPattern =
    /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const match of readFileSync(file, "utf8").matchAll(importPattern)) {
      const specifier = (match[1] ?? match[2]) as string;
      if (specifier.startsWith(".")) pending.push(resolve(dirname(file), specifier));
      else if (specifier.startsWith("node:")) builtins.add(specifier);
      else
        packages.add(
          specifier
            .split("/")
            .slice(0, specifier.startsWith("@") ? 2 : 1)
            .join("/"),
        );
    }
  }
  return { packages, builtins };
}

describe("gatehouse/verify, /web and /express are light", () => {
  beforeAll(() => buildIfStale(), 120_000);

  it.each(["dist/http/verify/index.js", "dist/http/web/index.js", "dist/http/express/index.js"])(
    "%s loads no hasher, driver, native addon or server code",
    (entry) => {
      const loaded = [...packagesLoadedBy(entry)];
      expect(loaded.filter((name) => !ALLOWED.has(name))).toEqual([]);
    },
  );

  // The bundle test (test/http/web/browser-bundle.test.ts) runs them where there is no Node.
  it.each(["dist/http/verify/index.js", "dist/http/web/index.js"])(
    "%s loads no Node built-in, so it runs in browsers and workers",
    (entry) => {
      expect([...modulesLoadedBy(entry).builtins]).toEqual([]);
    },
  );

  it("the full core, by contrast, loads the password hashers (so the check can fail)", () => {
    const loaded = packagesLoadedBy("dist/core/index.js");
    expect(loaded.has("@node-rs/argon2")).toBe(true);
  });

  it("verifies a token when imported in a fresh process with the native hashers unloadable", async () => {
    const { spawnSync } = await import("node:child_process");
    // A loader hook that refuses the hashers and drivers: importing them would throw.
    const hook = `
      import { register } from "node:module";
      register("data:text/javascript," + encodeURIComponent(\`
        const banned = /^(@node-rs\\\\/|bcryptjs|better-sqlite3|pg|ioredis|fastify)/;
        export async function resolve(specifier, context, next) {
          if (banned.test(specifier)) throw new Error("loaded " + specifier);
          return next(specifier, context);
        }\`));`;
    const script = `
      const { createRemoteVerifier, isGatehouseError } = await import("gatehouse/verify");
      const { bearerAuth } = await import("gatehouse/web");
      const verifier = createRemoteVerifier({ secret: "a-shared-secret-of-enough-length", issuer: "https://issuer.test" });
      const result = await bearerAuth(verifier)(new Request("http://x/", { headers: { authorization: "Bearer x.y.z" } }));
      console.log(result.ok ? "accepted" : result.response.status, typeof isGatehouseError);`;
    const run = spawnSync(
      process.execPath,
      ["--import", `data:text/javascript,${encodeURIComponent(hook)}`, "--input-type=module", "-e", script],
      {
        cwd: root,
        encoding: "utf8",
      },
    );
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("401 function");
  });
});
