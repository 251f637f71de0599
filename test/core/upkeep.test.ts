import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFixedClock, createGatehouse, type GatehouseStore } from "../../src/core/index.js";
import { memoryStore } from "../../src/stores/memory/memory-store.js";
import { sqliteStore } from "../../src/stores/sqlite/sqlite-store.js";
import { createTestHasher } from "../support/fixtures.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDatabase(): string {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-upkeep-"));
  dirs.push(dir);
  return join(dir, "gatehouse.db");
}

/** Polls until `check` holds; generous, so a busy machine does not fail the test. */
async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

describe("an embedded Gatehouse keeps itself up to date", () => {
  it("picks up a key rotation made by another process without being asked", async () => {
    const path = tempDatabase();
    const app = await createGatehouse({
      store: await sqliteStore(path),
      hasher: createTestHasher(),
      algorithm: "EdDSA",
      syncInterval: 50,
    });
    const cli = await createGatehouse({ store: await sqliteStore(path), hasher: createTestHasher(), syncInterval: 0 });
    const kid = await cli.rotateKeys();
    expect(await eventually(() => app.jwks().keys.some((key) => key.kid === kid))).toBe(true);
    await cli.close();
    await app.close();
  });

  it("stops on close(): no store call after it, and no unhandled rejection", async () => {
    const inner = memoryStore();
    let calls = 0;
    let closed = false;
    const watched: GatehouseStore = {
      ...inner,
      changeVersion: () => {
        calls++;
        if (closed) throw new Error("used after close");
        return inner.changeVersion();
      },
      close: async () => {
        closed = true;
        await inner.close();
      },
    };
    const gatehouse = await createGatehouse({ store: watched, hasher: createTestHasher(), syncInterval: 10 });
    expect(await eventually(() => calls >= 3)).toBe(true);
    await gatehouse.close();
    const afterClose = calls;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(calls).toBe(afterClose);
  });

  it("reports a failed run to onSyncError and keeps going once the database answers again", async () => {
    const inner = memoryStore();
    let down = true;
    const flaky: GatehouseStore = {
      ...inner,
      changeVersion: async () => {
        if (down) throw new Error("database unreachable");
        return inner.changeVersion();
      },
    };
    const errors: unknown[] = [];
    let runs = 0;
    // The first read of the change counter is at creation, so the store is up for it.
    down = false;
    const gatehouse = await createGatehouse({
      store: {
        ...flaky,
        changeVersion: async () => {
          runs++;
          return flaky.changeVersion();
        },
      },
      hasher: createTestHasher(),
      syncInterval: 10,
      onSyncError: (error) => errors.push(error),
    });
    down = true;
    expect(await eventually(() => errors.length >= 2)).toBe(true);
    expect((errors[0] as Error).message).toBe("database unreachable");
    down = false;
    const runsWhenBack = runs;
    expect(await eventually(() => runs > runsWhenBack + 2)).toBe(true);
    const errorsWhenBack = errors.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(errors.length).toBe(errorsWhenBack);
    await gatehouse.close();
  });

  it("does nothing on its own with syncInterval 0", async () => {
    const inner = memoryStore();
    let calls = 0;
    const watched: GatehouseStore = {
      ...inner,
      changeVersion: () => {
        calls++;
        return inner.changeVersion();
      },
    };
    const gatehouse = await createGatehouse({ store: watched, hasher: createTestHasher(), syncInterval: 0 });
    const atStart = calls;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(calls).toBe(atStart);
    await gatehouse.syncWithStore();
    expect(calls).toBe(atStart + 1);
    await gatehouse.close();
  });

  it("purges audit events past the retention, and keeps younger ones", async () => {
    const clock = createFixedClock(1_800_000_000_000);
    const gatehouse = await createGatehouse({
      store: memoryStore(),
      hasher: createTestHasher(),
      syncInterval: 0,
      auditRetention: 3600,
      clock,
    });
    await gatehouse.audit.record(gatehouse.audit.event("login.failed", { username: "old" }));
    clock.advance(1800_000);
    await gatehouse.audit.record(gatehouse.audit.event("login.failed", { username: "young" }));
    clock.advance(1800_001);
    await gatehouse.syncWithStore();
    const { events } = await gatehouse.audit.list({ limit: 10, cursor: null });
    expect(events.map((event) => event.username)).toEqual(["young"]);
    await gatehouse.close();
  });
});
