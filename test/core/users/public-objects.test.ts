import { describe, expect, it } from "vitest";
import { createTestGatehouse } from "../../support/fixtures.js";

// One careless `res.json(user)` in an app must not leak a hash: nothing the library returns carries one.
describe("public objects carry no password hash (regression: users.get() and authenticate() returned passwordHash)", () => {
  it("users.create, get, update, list, setPassword, invalidateTokens, authenticate, checkPassword, changeOwnPassword", async () => {
    const { gatehouse } = await createTestGatehouse();
    const context = { clientAddress: "127.0.0.1" };
    const returned: unknown[] = [
      await gatehouse.users.create({ username: "grace", email: "g@example.com", password: "a long passphrase" }),
      await gatehouse.users.get("grace"),
      await gatehouse.users.update("grace", { fullName: "Grace Hopper" }),
      await gatehouse.users.list({ limit: 10, cursor: null }),
      await gatehouse.users.setPassword("grace", "another passphrase"),
      await gatehouse.users.invalidateTokens("grace"),
      await gatehouse.authenticate("grace", "another passphrase"),
      await gatehouse.checkPassword("grace", "another passphrase", context),
      await gatehouse.changeOwnPassword("grace", "another passphrase", "a third passphrase", context),
    ];
    for (const value of returned) {
      const text = JSON.stringify(value);
      expect(text).not.toMatch(/passwordHash|\$argon2|\$2[aby]\$|pbkdf2/);
      expect(text).toContain("grace");
    }
  });
});
