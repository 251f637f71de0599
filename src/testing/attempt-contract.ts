import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SharedLoginAttempts } from "../core/store.js";
import type { LoginAttemptStore } from "../core/throttle/attempt-store.js";
import { T0 } from "./contract-fixtures.js";

/** The two counter stores of a throttle, fresh and empty, and how to let go of them. */
export interface AttemptStores extends SharedLoginAttempts {
  close?(): Promise<void>;
}

/** Makes fresh, empty counter stores for one test. */
export type AttemptStoresFactory = () => Promise<AttemptStores> | AttemptStores;

const MINUTE = 60_000;

/**
 * The suite every {@link LoginAttemptStore} must pass (memory, PostgreSQL, Redis): the
 * semantics login-throttle.ts relies on, each method one atomic step.
 * @example
 * runAttemptStoreContract("memory", () => ({ failures: createMemoryAttemptStore(), knownLogins: createMemoryAttemptStore() }));
 */
export function runAttemptStoreContract(name: string, makeStores: AttemptStoresFactory): void {
  describe(`${name} login attempt store contract`, () => {
    let stores: AttemptStores | undefined;
    const current = (): AttemptStores => {
      if (!stores) throw new Error("no attempt stores: the contract's beforeEach did not run");
      return stores;
    };
    const failures = (): LoginAttemptStore => current().failures;

    beforeEach(async () => {
      stores = await makeStores();
    });

    afterEach(async () => {
      await stores?.close?.();
      stores = undefined;
    });

    it("starts an absent counter at 1, living ttl from now", async () => {
      expect(await failures().increment("p|johndoe|198.51.100.7", 15 * MINUTE, T0)).toEqual({
        count: 1,
        expiresAt: T0 + 15 * MINUTE,
      });
    });

    it("counts up a live counter", async () => {
      for (let i = 0; i < 3; i++) await failures().increment("a|198.51.100.7", MINUTE, T0 + i);
      expect(await failures().get(["a|198.51.100.7"], T0 + 3)).toEqual([{ count: 3, expiresAt: T0 + 2 + MINUTE }]);
    });

    it("starts an expired counter again at 1 with a new expiry", async () => {
      await failures().increment("k", MINUTE, T0);
      await failures().increment("k", MINUTE, T0);
      expect(await failures().increment("k", 2 * MINUTE, T0 + MINUTE)).toEqual({
        count: 1,
        expiresAt: T0 + 3 * MINUTE,
      });
    });

    it("never shortens a live counter's life, and lengthens it for a longer ttl", async () => {
      await failures().increment("k", 60 * MINUTE, T0);
      expect(await failures().increment("k", MINUTE, T0 + 1)).toEqual({ count: 2, expiresAt: T0 + 60 * MINUTE });
      expect(await failures().increment("k", 120 * MINUTE, T0 + 2)).toEqual({
        count: 3,
        expiresAt: T0 + 2 + 120 * MINUTE,
      });
      expect(await failures().get(["k"], T0 + 90 * MINUTE)).toEqual([{ count: 3, expiresAt: T0 + 2 + 120 * MINUTE }]);
    });

    it("gets counters in the order asked, null where absent or expired", async () => {
      await failures().increment("live", MINUTE, T0);
      await failures().increment("expired", 10, T0);
      expect(await failures().get(["absent", "live", "expired", "live"], T0 + 10)).toEqual([
        null,
        { count: 1, expiresAt: T0 + MINUTE },
        null,
        { count: 1, expiresAt: T0 + MINUTE },
      ]);
      expect(await failures().get(["live"], T0 + MINUTE)).toEqual([null]);
      expect(await failures().get([], T0)).toEqual([]);
    });

    it("deletes the counters named and leaves the others", async () => {
      await failures().increment("one", MINUTE, T0);
      await failures().increment("two", MINUTE, T0);
      await failures().increment("three", MINUTE, T0);
      await failures().delete(["one", "three", "absent"]);
      await failures().delete([]);
      expect(await failures().get(["one", "two", "three"], T0)).toEqual([
        null,
        { count: 1, expiresAt: T0 + MINUTE },
        null,
      ]);
      expect(await failures().increment("one", MINUTE, T0)).toEqual({ count: 1, expiresAt: T0 + MINUTE });
    });

    it("keeps failures and known logins apart under the same key", async () => {
      await failures().increment("k|johndoe|198.51.100.7", MINUTE, T0);
      await current().knownLogins.increment("k|johndoe|198.51.100.7", 30 * MINUTE, T0);
      await current().knownLogins.increment("k|johndoe|198.51.100.7", 30 * MINUTE, T0);
      await failures().delete(["k|johndoe|198.51.100.7"]);
      expect(await current().knownLogins.get(["k|johndoe|198.51.100.7"], T0)).toEqual([
        { count: 2, expiresAt: T0 + 30 * MINUTE },
      ]);
    });

    it.each([
      ["a Unicode username", "p|straße|2001:db8::/64"],
      ["SQL and Lua metacharacters", "p|o'brien; DROP TABLE x; --%_|1.2.3.4"],
      ["Redis glob characters", "a|*?[x]"],
      ["U+0000, which a custom adapter's address label may hold", "a|label\u0000x"],
      ["a 200-character key", `p|${"x".repeat(198)}`],
    ])("keeps a key with %s apart from others", async (_what, key) => {
      await failures().increment(key, MINUTE, T0);
      await failures().increment(key, MINUTE, T0);
      expect(await failures().get([key, "a|label", "a|labelx"], T0)).toEqual([
        { count: 2, expiresAt: T0 + MINUTE },
        null,
        null,
      ]);
      await failures().delete([key]);
      expect(await failures().get([key], T0)).toEqual([null]);
    });

    it("loses no increment when 100 arrive at once", async () => {
      const counts = await Promise.all(
        Array.from({ length: 100 }, (_, i) => failures().increment("u|johndoe", MINUTE, T0 + (i % 7))),
      );
      expect(counts.map((counter) => counter.count).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 100 }, (_, i) => i + 1),
      );
      expect(await failures().get(["u|johndoe"], T0 + 7)).toEqual([{ count: 100, expiresAt: T0 + 6 + MINUTE }]);
    });

    it("deletes one user's per-address counters by prefix, and no other user's (gatehouse users unlock)", async () => {
      const keys = ["p|a|192.0.2.1", "p|a|2001:db8::/64", "p|a|b|192.0.2.1", "p|ab|192.0.2.1", "u|a", "p|a*|192.0.2.1"];
      for (const key of keys) await failures().increment(key, MINUTE, T0);
      expect(await failures().deleteByPrefix?.("p|a|")).toBe(2);
      expect((await failures().get(keys, T0)).map((counter) => counter?.count ?? 0)).toEqual([0, 0, 1, 1, 1, 1]);
      expect(await failures().deleteByPrefix?.("p|a*|")).toBe(1);
    });
  });
}
