import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GatehouseStore } from "../core/store.js";
import { describeAccountContract } from "./contract-accounts.js";
import { describeAuditContract } from "./contract-audit.js";
import { describeBulkContract } from "./contract-bulk.js";
import { expectRejectsWith, type StoreFactory } from "./contract-fixtures.js";
import { describeKeyContract } from "./contract-keys.js";
import { describeListContract } from "./contract-list.js";
import { describeMfaContract } from "./contract-mfa.js";
import { describeOutboxContract } from "./contract-outbox.js";
import { describeProfileContract } from "./contract-profile.js";
import { describeSessionContract } from "./contract-sessions.js";
import { describeUserContract } from "./contract-users.js";

export type { StoreFactory } from "./contract-fixtures.js";

/**
 * The suite every store must pass: each test gets a fresh, empty store from `makeStore`.
 * @example
 * runStoreContract("memory", () => memoryStore());
 */
export function runStoreContract(name: string, makeStore: StoreFactory): void {
  describe(`${name} store contract`, () => {
    let store: GatehouseStore | undefined;
    const current = (): GatehouseStore => {
      if (!store) throw new Error("no store: the contract's beforeEach did not run");
      return store;
    };

    beforeEach(async () => {
      store = await makeStore();
    });

    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    it("names its kind", () => {
      expect(current().kind).toMatch(/^[a-z]+$/);
    });

    describeUserContract(current);
    describeBulkContract(current);
    describeListContract(current);
    describeKeyContract(current);
    describeSessionContract(current);
    describeAuditContract(current);
    describeOutboxContract(current);
    describeMfaContract(current);
    describeProfileContract(current);
    describeAccountContract(current);

    describe("lifecycle", () => {
      it("answers ping", async () => {
        await expect(current().ping()).resolves.toBeUndefined();
      });

      it("reports a change version that stays put while nobody writes", async () => {
        const version = await current().changeVersion();
        expect(Number.isFinite(version)).toBe(true);
        expect(await current().changeVersion()).toBe(version);
      });

      it("fails with store_unavailable once closed, and closes twice without error", async () => {
        await current().close();
        await current().close();
        await expectRejectsWith(current().ping(), "store_unavailable");
        await expectRejectsWith(current().findUserByUsername("johndoe"), "store_unavailable");
        await expectRejectsWith(current().listSigningKeys(), "store_unavailable");
      });
    });
  });
}
