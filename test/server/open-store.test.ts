import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isGatehouseError } from "../../src/core/errors.js";
import { openStore } from "../../src/server/open-store.js";

const root = mkdtempSync(join(tmpdir(), "gatehouse-open-store-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function failure(url: string): Promise<{ code: string; message: string }> {
  try {
    const store = await openStore(url);
    await store.close();
  } catch (error) {
    if (isGatehouseError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error(`${url} opened a store`);
}

describe("openStore", () => {
  it("opens a SQLite file at an absolute path", async () => {
    const path = join(root, "absolute.db");
    const store = await openStore(`sqlite:${path}`);
    expect(store.kind).toBe("sqlite");
    await store.close();
    expect(statSync(path).isFile()).toBe(true);
  });

  it("opens a SQLite file at a path relative to the working directory", async () => {
    const path = join(root, "relative.db");
    const store = await openStore(`sqlite:./${relative(process.cwd(), path)}`);
    await store.close();
    expect(statSync(path).isFile()).toBe(true);
  });

  it.each(["SQLite:", "sqlite:"])("accepts the scheme spelled %s", async (prefix) => {
    const store = await openStore(`${prefix}${join(root, `${prefix.slice(0, 2)}-case.db`)}`);
    expect(store.kind).toBe("sqlite");
    await store.close();
  });

  it("opens an in-memory SQLite database for sqlite::memory:", async () => {
    const store = await openStore("sqlite::memory:");
    expect(store.kind).toBe("sqlite");
    await store.ping();
    await store.close();
  });

  it("opens a memory store for memory:", async () => {
    const store = await openStore("memory:");
    expect(store.kind).toBe("memory");
    await store.close();
  });

  it.each(["postgres://gatehouse:hunter2@db.example.com/gatehouse", "postgresql://localhost/gatehouse"])(
    "says PostgreSQL is not available yet for %s",
    async (url) => {
      expect(await failure(url)).toEqual({
        code: "validation_failed",
        message: "PostgreSQL support is not available yet",
      });
    },
  );

  it("names only the scheme of an unsupported URL, never its password", async () => {
    const { code, message } = await failure("mysql://root:hunter2@db.example.com/gatehouse");
    expect(code).toBe("validation_failed");
    expect(message).toBe("unsupported database URL: mysql");
  });

  it.each([
    ["no scheme", "./gatehouse.db"],
    ["an empty URL", ""],
    ["an empty sqlite path", "sqlite:"],
    ["a sqlite URL with a host", "sqlite://host/gatehouse.db"],
    ["a sqlite URL with three slashes", "sqlite:///tmp/gatehouse.db"],
    ["memory: with a path", "memory:/tmp/x"],
  ])("rejects %s with validation_failed", async (_what, url) => {
    expect((await failure(url)).code).toBe("validation_failed");
  });

  it("fails with store_unavailable when the SQLite file's directory does not exist", async () => {
    const { code, message } = await failure(`sqlite:${join(root, "missing", "gatehouse.db")}`);
    expect(code).toBe("store_unavailable");
    expect(message).toContain("directory does not exist");
  });
});
