import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { errorCatalogue } from "../../src/http/error-reply.js";

const securityDoc = readFileSync(resolve(import.meta.dirname, "../../docs/SECURITY.md"), "utf8");

describe("the error code table of docs/SECURITY.md", () => {
  it.each(errorCatalogue().map(({ code, status }) => [code, status] as const))(
    "documents %s with status %i",
    (code, status) => {
      const row = securityDoc.split("\n").find((line) => line.startsWith(`| \`${code}\` |`));
      expect(row, `docs/SECURITY.md has no row for ${code}`).toBeDefined();
      expect(row?.split("|")[2]?.trim()).toMatch(new RegExp(`^${status}\\b`));
    },
  );
});
