import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFixedClock, createGatehouse, type GatehouseStore, isGatehouseError } from "../../../src/core/index.js";
import { withSubjectCache } from "../../../src/core/principals/subject-cache.js";
import { memoryStore } from "../../../src/stores/memory/memory-store.js";
import { sqliteStore } from "../../../src/stores/sqlite/sqlite-store.js";
import { createTestGatehouse, createTestHasher } from "../../support/fixtures.js";

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function loginToken(gatehouse: Awaited<ReturnType<typeof createTestGatehouse>>["gatehouse"]) {
  return (
    await gatehouse.handleTokenRequest({ username: "johndoe", password: "secret" }, { clientAddress: "127.0.0.1" })
  ).access_token;
}

const rejects = (promise: Promise<unknown>, code: string) =>
  promise.then(
    () => false,
    (error) => isGatehouseError(error) && error.code === code,
  );

describe("token subject cache", () => {
  it("serves repeated lookups from memory until the TTL passes", async () => {
    const inner = memoryStore();
    let lookups = 0;
    const counting: GatehouseStore = {
      ...inner,
      findTokenSubject: (...args) => {
        lookups++;
        return inner.findTokenSubject(...args);
      },
    };
    const clock = createFixedClock(NOW);
    const cached = withSubjectCache(counting, { ttlMs: 500, maxEntries: 10, clock });
    await cached.findTokenSubject("nobody", "j1", null);
    await cached.findTokenSubject("nobody", "j1", null);
    expect(lookups).toBe(1);
    clock.advance(501);
    await cached.findTokenSubject("nobody", "j1", null);
    expect(lookups).toBe(2);
  });

  it("sees this process's own revocations, disables and password changes at once", async () => {
    const { gatehouse } = await createTestGatehouse({ subjectCacheTtl: 1000 });
    const token = await loginToken(gatehouse);
    await gatehouse.currentActiveUser(token, ["me"]);
    await gatehouse.revokeToken(token, "access_token");
    expect(await rejects(gatehouse.currentActiveUser(token, ["me"]), "invalid_token")).toBe(true);

    const second = await loginToken(gatehouse);
    await gatehouse.currentActiveUser(second, ["me"]);
    await gatehouse.users.update("johndoe", { disabled: true });
    expect(await rejects(gatehouse.currentActiveUser(second, ["me"]), "inactive_user")).toBe(true);
  });

  it("sees another process's change on the same SQLite file once refresh() notices it, and within the TTL regardless", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gatehouse-cache-"));
    dirs.push(dir);
    const path = join(dir, "gatehouse.db");
    const clock = createFixedClock(NOW);
    const server = await createTestGatehouse({ store: await sqliteStore(path), clock, subjectCacheTtl: 500 });
    const token = await loginToken(server.gatehouse);
    await server.gatehouse.currentActiveUser(token, ["me"]);

    // Another process (the CLI) disables johndoe through its own connection.
    const cli = await createGatehouse({ store: await sqliteStore(path), hasher: createTestHasher(), clock });
    await cli.users.update("johndoe", { disabled: true });

    await server.gatehouse.syncWithStore();
    expect(await rejects(server.gatehouse.currentActiveUser(token, ["me"]), "inactive_user")).toBe(true);

    // Re-enabling does not revive tokens from before the disable; a reversible change does come back.
    await cli.users.update("johndoe", { disabled: false });
    const second = await loginToken(server.gatehouse);
    await server.gatehouse.currentActiveUser(second, ["me"]);
    await cli.users.update("johndoe", { scopes: [] });
    clock.advance(501);
    expect(await rejects(server.gatehouse.currentActiveUser(second, ["me"]), "insufficient_scope")).toBe(true);
    await cli.users.update("johndoe", { scopes: ["me"] });
    clock.advance(501);
    expect((await server.gatehouse.currentActiveUser(second, ["me"])).user.username).toBe("johndoe");
    expect(await rejects(server.gatehouse.currentActiveUser(token, ["me"]), "invalid_token")).toBe(true);
    await cli.close();
    await server.gatehouse.close();
  });
});
