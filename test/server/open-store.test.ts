import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isGatehouseError } from "../../src/core/errors.js";
import { openStore } from "../../src/server/open-store.js";
import { describePostgres } from "../support/postgres.js";

const root = mkdtempSync(join(tmpdir(), "gatehouse-open-store-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function failure(url: string): Promise<{ code: string; message: string; cause: string }> {
  try {
    const store = await openStore(url);
    await store.close();
  } catch (error) {
    if (isGatehouseError(error)) {
      const cause = error.cause instanceof Error ? error.cause.message : String(error.cause);
      return { code: error.code, message: error.message, cause };
    }
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

  it.each(["postgres", "postgresql", "POSTGRES"])(
    "fails with store_unavailable for an unreachable %s URL, repeating neither URL nor password",
    async (scheme) => {
      // Port 1 on the loopback refuses at once: no PostgreSQL is needed for this one.
      const { code, message, cause } = await failure(`${scheme}://gatehouse:hunter2@127.0.0.1:1/gatehouse`);
      expect(code).toBe("store_unavailable");
      expect(`${message} ${cause}`).not.toMatch(/hunter2|gatehouse:|127\.0\.0\.1:1\//);
    },
  );

  it("rejects a malformed PostgreSQL URL with validation_failed, repeating nothing of it", async () => {
    expect(await failure("postgres://gatehouse:hunter2@db.example.com:99999/gatehouse")).toEqual({
      code: "validation_failed",
      message: "the PostgreSQL URL is malformed",
      cause: "undefined",
    });
  });

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

describePostgres("openStore on PostgreSQL", (database) => {
  it.each(["postgres:", "postgresql:"])("opens a PostgreSQL store for a %s URL", async (scheme) => {
    const store = await openStore(database().url.replace(/^postgres(ql)?:/, scheme));
    try {
      expect(store.kind).toBe("postgres");
      await store.ping();
    } finally {
      await store.close();
    }
  });
});
