import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { buildIfStale } from "../support/build.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const manifest = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")) as {
  exports: Record<string, string | { types?: string }>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};
const typedEntries = Object.entries(manifest.exports).flatMap(([entry, target]) =>
  typeof target === "object" && target.types !== undefined ? [[entry, target.types] as const] : [],
);

/**
 * Every package whose types the shipped declarations of `entry` reach: what a consumer's
 * `tsc` with `skipLibCheck: false` must be able to resolve.
 */
function packagesTypedBy(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const pending = [resolve(root, entry)];
  const importPattern = /(?:from\s*|import\(\s*|<reference\s+types=)["']([^"']+)["']/g;
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    // Imports in doc comments (an @example) are not the declarations' own.
    const text = readFileSync(file, "utf8").replace(/\/\*\*[\s\S]*?\*\//g, "");
    for (const match of text.matchAll(importPattern)) {
      const specifier = match[1] as string;
      if (specifier.startsWith(".")) pending.push(resolve(dirname(file), specifier.replace(/\.js$/, ".d.ts")));
      else if (!specifier.startsWith("node:"))
        packages.add(
          specifier
            .split("/")
            .slice(0, specifier.startsWith("@") ? 2 : 1)
            .join("/"),
        );
    }
  }
  return packages;
}

/** True when an installed package carries its own declarations (no @types/ package needed). */
function shipsOwnTypes(name: string): boolean {
  const pkg = readFileSync(resolve(root, "node_modules", name, "package.json"), "utf8");
  return /"(types|typings)"\s*:/.test(pkg);
}

describe("the shipped type declarations", () => {
  beforeAll(() => buildIfStale(), 120_000);

  it.each(typedEntries)("of %s name only packages with types of their own that every install has", (entry, types) => {
    // A regular dependency is always installed. Express ships no types: gatehouse/express
    // declares @types/express an optional peer dependency, for the consumers who use it.
    const installed = new Set(Object.keys(manifest.dependencies).filter(shipsOwnTypes));
    if (entry === "./express") installed.add("express");
    const reached = [...packagesTypedBy(types)].filter((name) => !installed.has(name));
    expect(reached).toEqual([]);
  });

  it.each(["better-sqlite3", "pg", "ioredis"])(
    "never reach the driver %s, whose types a consumer may lack",
    (driver) => {
      const reaching = typedEntries.filter(([, types]) => packagesTypedBy(types).has(driver)).map(([entry]) => entry);
      expect(reaching).toEqual([]);
    },
  );

  it("declare vitest an optional peer dependency, for gatehouse/testing", () => {
    expect(manifest.peerDependencies.vitest).toBeDefined();
    expect(manifest.peerDependenciesMeta.vitest).toEqual({ optional: true });
  });

  it("declare @types/express an optional peer dependency, next to express", () => {
    expect(Object.keys(manifest.peerDependencies)).toEqual(expect.arrayContaining(["express", "@types/express"]));
  });
});
