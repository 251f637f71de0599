import { describe, expect, it } from "vitest";
import { createFixedClock, createGatehouse, type Gatehouse, isGatehouseError } from "../../../src/core/index.js";
import { memoryStore } from "../../../src/stores/memory/memory-store.js";
import { createTestGatehouse, createTestHasher } from "../../support/fixtures.js";

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const context = { clientAddress: "198.51.100.7" };

/** A second admin, so that root is not the last one and may be demoted. */
async function addSecondAdmin(gatehouse: Gatehouse): Promise<void> {
  await gatehouse.users.create({
    username: "admin2",
    email: "admin2@example.com",
    password: "admin2-password",
    scopes: ["me", "admin"],
  });
}

async function tokenOf(gatehouse: Gatehouse, username: string, password: string): Promise<string> {
  return (await gatehouse.handleTokenRequest({ username, password }, context)).access_token;
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => "accepted",
    (error: unknown) => (isGatehouseError(error) ? error.code : "other error"),
  );

describe("regression: a demoted admin stayed admin (review finding 1)", () => {
  it("refuses admin to an old token as soon as admin is taken from its user", async () => {
    const { gatehouse } = await createTestGatehouse({ subjectCacheTtl: 1000 });
    await addSecondAdmin(gatehouse);
    const token = await tokenOf(gatehouse, "root", "rootpassword");
    expect((await gatehouse.currentActiveUser(token, ["admin"])).scopes).toEqual(["me", "admin"]);
    await gatehouse.users.update("root", { scopes: ["me"] });
    expect(await refusal(gatehouse.currentActiveUser(token, ["admin"]))).toBe("insufficient_scope");
    expect((await gatehouse.currentActiveUser(token, ["me"])).scopes).toEqual(["me"]);
  });

  it("reports the live scope set at introspection", async () => {
    const { gatehouse } = await createTestGatehouse();
    await addSecondAdmin(gatehouse);
    const token = await tokenOf(gatehouse, "root", "rootpassword");
    await gatehouse.users.update("root", { scopes: ["me"] });
    expect(await gatehouse.introspect(token)).toMatchObject({ active: true, scope: "me" });
  });

  it("never widens an old token when a scope is given to its user", async () => {
    const { gatehouse } = await createTestGatehouse();
    const token = await tokenOf(gatehouse, "johndoe", "secret");
    await gatehouse.users.update("johndoe", { scopes: ["me", "admin"] });
    expect(await refusal(gatehouse.currentActiveUser(token, ["admin"]))).toBe("insufficient_scope");
    expect((await gatehouse.currentActiveUser(token)).scopes).toEqual(["me"]);
    expect(await gatehouse.introspect(token)).toMatchObject({ active: true, scope: "me" });
  });

  it("takes effect on another instance over the same database within one second", async () => {
    const clock = createFixedClock(NOW);
    const store = memoryStore();
    const { gatehouse: one } = await createTestGatehouse({ store, clock });
    await addSecondAdmin(one);
    // Another server on the same database, with its own cache of token subjects.
    const two = await createGatehouse({ store, clock, hasher: createTestHasher() });
    const token = await tokenOf(one, "root", "rootpassword");
    await two.currentActiveUser(token, ["admin"]);
    await one.users.update("root", { scopes: ["me"] });
    expect(await refusal(one.currentActiveUser(token, ["admin"]))).toBe("insufficient_scope");
    clock.advance(1000);
    expect(await refusal(two.currentActiveUser(token, ["admin"]))).toBe("insufficient_scope");
  });
});
