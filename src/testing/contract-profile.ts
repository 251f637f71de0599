import { describe, expect, it } from "vitest";
import type { GatehouseStore } from "../core/store.js";
import { newUser, T0 } from "./contract-fixtures.js";

const PROFILE = {
  avatar_url: "https://example.com/a.png",
  age: 42,
  newsletter: true,
  tags: ["a", "ü", "🦊"],
  address: { city: "Zürich", zip: null },
};

/** What every store must do with profile fields: keep the JSON object as given, replace it on update. */
export function describeProfileContract(current: () => GatehouseStore): void {
  describe("profiles", () => {
    it("gives a user created without a profile an empty one", async () => {
      const { profile: _none, ...input } = newUser("johndoe");
      expect((await current().createUser(input, T0)).profile).toEqual({});
      expect((await current().findUserByUsername("johndoe"))?.profile).toEqual({});
    });

    it("keeps a profile's JSON intact through create, find, list and token lookups", async () => {
      await current().createUser(newUser("johndoe", { profile: PROFILE }), T0);
      expect((await current().findUserByUsername("JohnDoe"))?.profile).toEqual(PROFILE);
      expect((await current().listUsers({ limit: 10, cursor: null })).users[0]?.profile).toEqual(PROFILE);
      expect((await current().findTokenSubject("johndoe", "jti", null))?.user.profile).toEqual(PROFILE);
    });

    it("stores each profile of a batch with its user", async () => {
      await current().createUsers(
        [newUser("alice", { profile: { n: 1 } }), newUser("bob"), newUser("carol", { profile: { n: 3 } })],
        T0,
      );
      const profiles = await Promise.all(
        ["alice", "bob", "carol"].map(async (name) => (await current().findUserByUsername(name))?.profile),
      );
      expect(profiles).toEqual([{ n: 1 }, {}, { n: 3 }]);
    });

    it("replaces the whole profile on update, and leaves it alone when the patch has none", async () => {
      await current().createUser(newUser("johndoe", { profile: PROFILE }), T0);
      expect((await current().updateUser("johndoe", { fullName: "J" }, T0 + 1))?.profile).toEqual(PROFILE);
      const updated = await current().updateUser("johndoe", { profile: { locale: "de-CH" } }, T0 + 2);
      expect(updated?.profile).toEqual({ locale: "de-CH" });
      expect((await current().findUserByUsername("johndoe"))?.profile).toEqual({ locale: "de-CH" });
      expect((await current().updateUser("johndoe", { profile: {} }, T0 + 3))?.profile).toEqual({});
    });

    it("keeps its stored profile when callers mutate what they passed in or got back", async () => {
      const profile = { nested: { value: 1 } };
      const created = await current().createUser(newUser("johndoe", { profile }), T0);
      profile.nested.value = 2;
      (created.profile.nested as { value: number }).value = 3;
      expect((await current().findUserByUsername("johndoe"))?.profile).toEqual({ nested: { value: 1 } });
    });
  });
}
