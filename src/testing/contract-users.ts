import { describe, expect, it } from "vitest";
import type { GatehouseStore, UserPatch } from "../core/store.js";
import { expectRejectsWith, newUser, T0 } from "./contract-fixtures.js";

/** What every store must do with users: create, find, update, delete. */
export function describeUserContract(current: () => GatehouseStore): void {
  describe("users", () => {
    it("creates a user and finds it with every field intact", async () => {
      const input = newUser("johndoe", { scopes: ["me", "admin"], fullName: "Jöhn Dœ 🦊" });
      const created = await current().createUser(input, T0);
      const expected = {
        ...input,
        scopes: ["me", "admin"],
        tokensValidAfter: T0,
        createdAt: T0,
        updatedAt: T0,
      };
      expect(created).toEqual(expected);
      expect(await current().findUserByUsername("johndoe")).toEqual(expected);
    });

    it("returns null for an unknown username", async () => {
      await current().createUser(newUser("johndoe"), T0);
      expect(await current().findUserByUsername("janedoe")).toBeNull();
    });

    it("keeps the username as given while finding it case-insensitively", async () => {
      await current().createUser(newUser("JohnDoe"), T0);
      expect((await current().findUserByUsername("johndoe"))?.username).toBe("JohnDoe");
      expect((await current().findUserByUsername("JOHNDOE"))?.username).toBe("JohnDoe");
    });

    it.each([
      ["johndoe", "JohnDoe"],
      ["johndoe", "ＪＯＨＮＤＯＥ"],
      ["ﬁona", "FIONA"],
      ["Straße", "STRASSE"],
      ["Ωmega", "ωMEGA"],
    ])("finds %j when looked up as %j", async (stored, lookup) => {
      await current().createUser(newUser(stored), T0);
      expect((await current().findUserByUsername(lookup))?.username).toBe(stored);
    });

    it.each(["johndoe", "JOHNDOE", "ＪｏｈｎＤｏｅ"])("rejects %j beside johndoe with user_exists", async (twin) => {
      await current().createUser(newUser("johndoe"), T0);
      const error = await expectRejectsWith(
        current().createUser(newUser(twin, { email: "x@example.com" }), T0 + 1),
        "user_exists",
      );
      expect(error.message).toBe("A user with this username already exists");
      expect(await current().findUserByUsername("johndoe")).toMatchObject({ username: "johndoe", createdAt: T0 });
    });

    it("stores empty and long scope lists and an empty full name", async () => {
      const many = Array.from({ length: 50 }, (_, i) => `scope:${i}`);
      await current().createUser(newUser("a", { scopes: [], fullName: "" }), T0);
      await current().createUser(newUser("b", { scopes: many }), T0);
      expect(await current().findUserByUsername("a")).toMatchObject({ scopes: [], fullName: "" });
      expect((await current().findUserByUsername("b"))?.scopes).toEqual(many);
    });

    it("keeps its state when callers mutate what they passed in or got back", async () => {
      const input = newUser("johndoe");
      const created = await current().createUser(input, T0);
      input.scopes.push("admin");
      created.scopes.push("admin");
      created.email = "evil@example.com";
      const found = await current().findUserByUsername("johndoe");
      found?.scopes.push("admin");
      const patch = { scopes: ["me"] };
      await current().updateUser("johndoe", patch, T0 + 1);
      patch.scopes.push("admin");
      expect(await current().findUserByUsername("johndoe")).toMatchObject({
        scopes: ["me"],
        email: "johndoe@example.com",
      });
    });

    it.each<[string, UserPatch]>([
      ["email", { email: "new@example.com" }],
      ["emailVerified", { emailVerified: true }],
      ["fullName", { fullName: "Johnny D." }],
      ["disabled", { disabled: true }],
      ["scopes", { scopes: ["me", "admin", "items:read"] }],
      ["passwordHash", { passwordHash: "$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234" }],
      ["tokensValidAfter", { tokensValidAfter: T0 + 86_400_123 }],
    ])("updates %s and nothing else but updatedAt", async (_field, patch) => {
      const before = await current().createUser(newUser("johndoe"), T0);
      const expected = { ...before, ...patch, updatedAt: T0 + 5_000 };
      expect(await current().updateUser("johndoe", patch, T0 + 5_000)).toEqual(expected);
      expect(await current().findUserByUsername("johndoe")).toEqual(expected);
    });

    it("updates several fields at once and re-enables a disabled user", async () => {
      await current().createUser(newUser("johndoe", { disabled: true }), T0);
      const patch = { disabled: false, email: "j@example.com", scopes: [] };
      expect(await current().updateUser("JOHNDOE", patch, T0 + 1)).toMatchObject({ ...patch, username: "johndoe" });
    });

    it("touches only updatedAt for an empty patch", async () => {
      const before = await current().createUser(newUser("johndoe"), T0);
      expect(await current().updateUser("johndoe", {}, T0 + 7)).toEqual({ ...before, updatedAt: T0 + 7 });
    });

    it("returns null when updating an unknown user, and creates nothing", async () => {
      expect(await current().updateUser("ghost", { disabled: true }, T0)).toBeNull();
      expect(await current().findUserByUsername("ghost")).toBeNull();
    });

    it("stores tokensValidAfter exactly to the millisecond", async () => {
      await current().createUser(newUser("johndoe"), 1_712_345_678_999);
      expect((await current().findUserByUsername("johndoe"))?.tokensValidAfter).toBe(1_712_345_678_999);
      await current().updateUser("johndoe", { tokensValidAfter: 1_712_345_679_001 }, 1_712_345_679_001);
      expect((await current().findUserByUsername("johndoe"))?.tokensValidAfter).toBe(1_712_345_679_001);
    });

    it("never moves tokensValidAfter backwards, so a revocation cannot be undone", async () => {
      await current().createUser(newUser("johndoe"), T0);
      await current().updateUser("johndoe", { tokensValidAfter: T0 + 1_000 }, T0 + 1_000);
      const updated = await current().updateUser("johndoe", { tokensValidAfter: T0 + 500 }, T0 + 2_000);
      expect(updated?.tokensValidAfter).toBe(T0 + 1_000);
    });

    it("deletes a user case-insensitively and says whether it existed", async () => {
      await current().createUser(newUser("johndoe"), T0);
      expect(await current().deleteUser("JohnDoe")).toBe(true);
      expect(await current().findUserByUsername("johndoe")).toBeNull();
      expect(await current().deleteUser("johndoe")).toBe(false);
    });

    it("leaves other users alone when deleting one", async () => {
      await current().createUser(newUser("johndoe"), T0);
      await current().createUser(newUser("alice"), T0);
      await current().deleteUser("johndoe");
      expect(await current().findUserByUsername("alice")).not.toBeNull();
    });

    it("re-creates a deleted username with a fresh tokensValidAfter", async () => {
      await current().createUser(newUser("johndoe"), T0);
      await current().deleteUser("johndoe");
      const again = await current().createUser(newUser("JohnDoe"), T0 + 60_000);
      expect(again).toMatchObject({ username: "JohnDoe", tokensValidAfter: T0 + 60_000, createdAt: T0 + 60_000 });
    });
  });
}
