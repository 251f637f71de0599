import { describe, expect, it } from "vitest";
import { memoryStore } from "../../src/stores/memory/memory-store.js";
import { newUser, runStoreContract, T0 } from "../../src/testing/index.js";

runStoreContract("memory", () => memoryStore());

describe("memory store", () => {
  it("is of kind memory", () => {
    expect(memoryStore().kind).toBe("memory");
  });

  it("changes its change version on every write, so Gatehouses sharing it notice", async () => {
    const store = memoryStore();
    const before = await store.changeVersion();
    await store.createUser(newUser("johndoe"), T0);
    expect(await store.changeVersion()).not.toBe(before);
  });

  it("keeps two stores apart", async () => {
    const one = memoryStore();
    await one.createUser(newUser("johndoe"), T0);
    expect(await memoryStore().findUserByUsername("johndoe")).toBeNull();
  });
});
