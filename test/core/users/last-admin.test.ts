import { describe, expect, it } from "vitest";
import { isGatehouseError } from "../../../src/core/index.js";
import { createTestGatehouse } from "../../support/fixtures.js";

const outcome = (promise: Promise<unknown>) =>
  promise.then(
    () => "done",
    (error: unknown) => (isGatehouseError(error) ? error.code : "other error"),
  );

describe("regression: the last admin could be demoted, disabled or deleted through the API (review finding 11)", () => {
  it("lets only one of two admins demoting each other at once succeed", async () => {
    const { gatehouse } = await createTestGatehouse();
    await gatehouse.users.create({
      username: "admin2",
      email: "a2@example.com",
      password: "admin2-password",
      scopes: ["me", "admin"],
    });
    const outcomes = await Promise.all([
      outcome(gatehouse.users.update("root", { scopes: ["me"] })),
      outcome(gatehouse.users.remove("admin2")),
    ]);
    expect(outcomes.sort()).toEqual(["done", "last_admin"]);
    expect(await gatehouse.users.hasEnabledAdmin()).toBe(true);
  });

  it("finds another enabled admin beyond the first page of users", async () => {
    const { gatehouse, store } = await createTestGatehouse();
    const now = Date.now();
    const filler = Array.from({ length: 1200 }, (_, i) => ({
      username: `a${String(i).padStart(4, "0")}`,
      email: `a${i}@example.com`,
      fullName: "",
      disabled: false,
      scopes: ["me"],
      passwordHash: "x",
    }));
    await store.createUsers(filler.slice(0, 1000), now);
    await store.createUsers(filler.slice(1000), now);
    await gatehouse.users.create({
      username: "zadmin",
      email: "z@example.com",
      password: "zadmin-password",
      scopes: ["me", "admin"],
    });
    expect(await outcome(gatehouse.users.update("root", { scopes: ["me"] }))).toBe("done");
    expect(await outcome(gatehouse.users.update("zadmin", { scopes: ["me"] }))).toBe("last_admin");
  });

  it("lets a user service built with keepAnAdmin off (the CLI's) demote the last admin", async () => {
    const { gatehouse, store } = await createTestGatehouse();
    const { createPasswordHasher, systemClock } = await import("../../../src/core/index.js");
    const { createUserService } = await import("../../../src/core/users/user-service.js");
    const cli = createUserService({
      store,
      hasher: createPasswordHasher(),
      clock: systemClock,
      knownScopes: new Set(["me", "admin"]),
      keepAnAdmin: false,
    });
    expect((await cli.update("root", { scopes: ["me"] })).scopes).toEqual(["me"]);
    expect(await gatehouse.users.hasEnabledAdmin()).toBe(false);
  });
});
