import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");

/** Every name (value or type) a module imports from specifiers matching `from`. */
function importedNames(source: string, from: RegExp): string[] {
  const names: string[] = [];
  for (const match of source.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*"([^"]+)"/g)) {
    if (!from.test(match[2] as string)) continue;
    for (const part of (match[1] as string).split(",")) {
      const name = part
        .trim()
        .replace(/^type\s+/, "")
        .split(/\s+as\s+/)[0];
      if (name) names.push(name);
    }
  }
  return names;
}

/** Every name src/core/index.ts re-exports: the core entry, `gatehouse`. */
function coreExports(): Set<string> {
  const source = readFileSync(join(root, "src/core/index.ts"), "utf8");
  const names = new Set<string>();
  for (const match of source.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}\s*from/g)) {
    for (const part of (match[1] as string).split(",")) {
      const name = part
        .trim()
        .replace(/^type\s+/, "")
        .split(/\s+as\s+/)
        .at(-1);
      if (name) names.add(name);
    }
  }
  return names;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe("the in-tree stores", () => {
  it("use only what the core entry (gatehouse) exports, as a third-party store must", () => {
    const exported = coreExports();
    const imports = sourceFiles(join(root, "src/stores")).flatMap((file) =>
      importedNames(readFileSync(file, "utf8"), /\/core\//).map((name) => ({ file: relative(root, file), name })),
    );
    expect(imports.map(({ name }) => name)).toEqual(expect.arrayContaining(["GatehouseStore", "usernameKey"]));
    const unexported = imports.filter(({ name }) => !exported.has(name)).map(({ file, name }) => `${file}: ${name}`);
    expect(unexported).toEqual([]);
  });
});
