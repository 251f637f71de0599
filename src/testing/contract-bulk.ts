import { describe, expect, it } from "vitest";
import type { GatehouseStore, NewUser } from "../core/store.js";
import { MAX_USER_BATCH } from "../stores/user-batch.js";
import { expectRejectsWith, newUser, T0 } from "./contract-fixtures.js";

const numbered = (count: number, prefix = "user"): NewUser[] =>
  Array.from({ length: count }, (_, index) => newUser(`${prefix}${index}`));

/** What every store must do with a batch of new users (`createUsers`). */
export function describeBulkContract(current: () => GatehouseStore): void {
  describe("users in batches", () => {
    it("creates every user of a batch with every field intact and tokensValidAfter = now", async () => {
      const batch = [
        newUser("JohnDoe", { scopes: ["me", "admin"], fullName: "Jöhn Dœ 🦊" }),
        newUser("alice", { disabled: true, scopes: [], fullName: "" }),
        newUser("Straße", { email: "s@example.com" }),
      ];
      expect(await current().createUsers(batch, T0)).toEqual(["created", "created", "created"]);
      for (const user of batch) {
        expect(await current().findUserByUsername(user.username.toUpperCase())).toEqual({
          ...user,
          tokensValidAfter: T0,
          createdAt: T0,
          updatedAt: T0,
        });
      }
    });

    it("reports a username that exists, in any case, as exists and leaves its user untouched", async () => {
      const existing = await current().createUser(newUser("JohnDoe"), T0);
      const outcomes = await current().createUsers(
        [newUser("alice"), newUser("johndoe", { email: "evil@example.com", passwordHash: "x" }), newUser("bob")],
        T0 + 1_000,
      );
      expect(outcomes).toEqual(["created", "exists", "created"]);
      expect(await current().findUserByUsername("johndoe")).toEqual(existing);
      expect(await current().findUserByUsername("bob")).toMatchObject({ tokensValidAfter: T0 + 1_000 });
    });

    it("creates the first of two users of a batch whose usernames differ only in case", async () => {
      const outcomes = await current().createUsers(
        [newUser("fay"), newUser("amy"), newUser("FAY", { email: "other@example.com" }), newUser("ＦＡＹ")],
        T0,
      );
      expect(outcomes).toEqual(["created", "created", "exists", "exists"]);
      expect(await current().findUserByUsername("Fay")).toMatchObject({ username: "fay", email: "fay@example.com" });
    });

    it("reports a second copy of the same user object as exists", async () => {
      const user = newUser("johndoe");
      expect(await current().createUsers([user, user], T0)).toEqual(["created", "exists"]);
    });

    it("returns no outcomes for an empty batch and changes nothing", async () => {
      const version = await current().changeVersion();
      expect(await current().createUsers([], T0)).toEqual([]);
      expect(await current().changeVersion()).toBe(version);
      expect((await current().listUsers({ limit: 10, cursor: null })).users).toEqual([]);
    });

    it(`creates a batch of ${MAX_USER_BATCH} users, the most one call takes`, async () => {
      const outcomes = await current().createUsers(numbered(MAX_USER_BATCH), T0);
      expect(outcomes.filter((outcome) => outcome === "created")).toHaveLength(MAX_USER_BATCH);
      const page = await current().listUsers({ limit: MAX_USER_BATCH + 1, cursor: null });
      expect(page.users).toHaveLength(MAX_USER_BATCH);
      expect(await current().findUserByUsername(`user${MAX_USER_BATCH - 1}`)).toMatchObject({ tokensValidAfter: T0 });
    });

    it(`rejects a batch of more than ${MAX_USER_BATCH} users with validation_failed and creates none`, async () => {
      await expectRejectsWith(current().createUsers(numbered(MAX_USER_BATCH + 1), T0), "validation_failed");
      expect(await current().findUserByUsername("user0")).toBeNull();
      expect((await current().listUsers({ limit: 10, cursor: null })).users).toEqual([]);
    });

    it("keeps its state when callers mutate the batch afterwards", async () => {
      const batch = [newUser("johndoe")];
      await current().createUsers(batch, T0);
      batch[0]?.scopes.push("admin");
      expect((await current().findUserByUsername("johndoe"))?.scopes).toEqual(["me"]);
    });

    it("lets users created in a batch be updated and deleted like any other", async () => {
      await current().createUsers([newUser("johndoe"), newUser("alice")], T0);
      expect(await current().updateUser("JOHNDOE", { disabled: true }, T0 + 1)).toMatchObject({ disabled: true });
      expect(await current().deleteUser("alice")).toBe(true);
      expect(await current().createUsers([newUser("Alice")], T0 + 2)).toEqual(["created"]);
    });

    it("fails with store_unavailable once closed", async () => {
      await current().close();
      await expectRejectsWith(current().createUsers([newUser("johndoe")], T0), "store_unavailable");
    });
  });
}
