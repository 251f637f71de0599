import { describe, expect, it } from "vitest";
import { createGatehouse } from "../../src/core/index.js";
import { addDemoUsers, DEMO_USERS } from "../../src/server/demo-users.js";
import { memoryStore } from "../../src/stores/memory/memory-store.js";
import { createTestHasher } from "../support/fixtures.js";

const makeGatehouse = () => createGatehouse({ store: memoryStore(), hasher: createTestHasher() });

describe("addDemoUsers", () => {
  it("adds the two tutorial users, alice disabled, whose passwords log in despite the policy", async () => {
    const gatehouse = await makeGatehouse();
    expect(await addDemoUsers(gatehouse)).toEqual(["johndoe", "alice"]);
    expect(await gatehouse.authenticate("johndoe", "secret")).toMatchObject({
      email: "johndoe@example.com",
      fullName: "John Doe",
      disabled: false,
      scopes: ["me"],
    });
    expect(await gatehouse.authenticate("alice", "secretalice")).toMatchObject({
      email: "alicechains@example.com",
      fullName: "Alice Chains",
      disabled: true,
      scopes: ["me"],
    });
  });

  it("adds nothing on a second run", async () => {
    const gatehouse = await makeGatehouse();
    await addDemoUsers(gatehouse);
    expect(await addDemoUsers(gatehouse)).toEqual([]);
  });

  it("adds only the missing user and leaves an existing one as it is", async () => {
    const gatehouse = await makeGatehouse();
    await gatehouse.users.create({ username: "JohnDoe", email: "jd@example.org", password: "a much better one" });
    expect(await addDemoUsers(gatehouse)).toEqual(["alice"]);
    const johndoe = await gatehouse.authenticate("johndoe", "a much better one");
    expect(johndoe.email).toBe("jd@example.org");
  });

  it("matches the table of CONTRACT.md §1", () => {
    expect(DEMO_USERS.map(({ username, password, disabled }) => [username, password, disabled])).toEqual([
      ["johndoe", "secret", false],
      ["alice", "secretalice", true],
    ]);
  });
});
