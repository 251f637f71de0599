import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const readme = readFileSync(join(root, "README.md"), "utf8");
// Snippets of Gatehouse's library; those of other libraries (jose, hono/jwk, …) are what test/interop runs.
const snippets = [...readme.matchAll(/^```(?:ts|typescript|js|javascript)\n([\s\S]*?)^```$/gm)]
  .map((match) => match[1] as string)
  .filter((snippet) => /^\/\/ examples\/|from "gatehouse(\/[\w-]+)?"|\b(gatehouse|app\.gatehouse)\./m.test(snippet));

describe("README's code snippets that use Gatehouse", () => {
  it("exist (so the check below checks something)", () => {
    expect(snippets.length).toBeGreaterThan(0);
  });

  it.each(snippets.map((snippet) => [snippet.split("\n")[0], snippet]))(
    "%s: names a file of examples/ on its first line and is a verbatim excerpt of it",
    (_first, snippet) => {
      const [pointer = "", ...lines] = snippet.split("\n");
      const file = /^\/\/ (examples\/[\w-]+\.ts)\b/.exec(pointer)?.[1];
      expect(file, "the first line says which example it is from: // examples/NAME.ts").toBeDefined();
      expect(existsSync(join(root, file as string))).toBe(true);
      expect(readFileSync(join(root, file as string), "utf8")).toContain(lines.join("\n"));
    },
  );
});
