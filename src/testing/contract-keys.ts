import { describe, expect, it } from "vitest";
import type { GatehouseStore } from "../core/store.js";
import { signingKey, T0 } from "./contract-fixtures.js";

/** What every store must do with signing keys: add, supersede, list, retire. */
export function describeKeyContract(current: () => GatehouseStore): void {
  describe("signing keys", () => {
    it("lists nothing in an empty store", async () => {
      expect(await current().listSigningKeys()).toEqual([]);
    });

    it("adds a key and lists it unchanged", async () => {
      const key = signingKey("k1", T0);
      await current().addSigningKey(key, T0);
      expect(await current().listSigningKeys()).toEqual([key]);
    });

    it("stores an HMAC key with an empty public key", async () => {
      const key = { ...signingKey("hs", T0), algorithm: "HS256", privateKey: "c2VjcmV0LXNlY3JldA", publicKey: "" };
      await current().addSigningKey(key, T0);
      expect(await current().listSigningKeys()).toEqual([key]);
    });

    it("supersedes the current key at now when adding another, in creation order", async () => {
      await current().addSigningKey(signingKey("k1", T0), T0);
      await current().addSigningKey(signingKey("k2", T0 + 1_000), T0 + 1_001);
      expect(await current().listSigningKeys()).toEqual([
        signingKey("k1", T0, T0 + 1_001),
        signingKey("k2", T0 + 1_000),
      ]);
    });

    it("supersedes the current key at a moment ahead when asked to (a key published before it signs)", async () => {
      await current().addSigningKey(signingKey("k1", T0), T0);
      await current().addSigningKey(signingKey("k2", T0 + 1_000), T0 + 301_000);
      expect(await current().listSigningKeys()).toEqual([
        signingKey("k1", T0, T0 + 301_000),
        signingKey("k2", T0 + 1_000),
      ]);
      expect(await current().deleteSigningKeysSupersededBefore(T0 + 301_000)).toBe(0);
    });

    it("keeps the first supersededAt of an already superseded key", async () => {
      await current().addSigningKey(signingKey("k1", T0), T0);
      await current().addSigningKey(signingKey("k2", T0 + 1), T0 + 1);
      await current().addSigningKey(signingKey("k3", T0 + 2), T0 + 2);
      const keys = await current().listSigningKeys();
      expect(keys.map((key) => [key.kid, key.supersededAt])).toEqual([
        ["k1", T0 + 1],
        ["k2", T0 + 2],
        ["k3", null],
      ]);
    });

    it("deletes only keys superseded strictly before the instant, and counts them", async () => {
      await current().addSigningKey(signingKey("k1", T0), T0);
      await current().addSigningKey(signingKey("k2", T0 + 10), T0 + 10);
      await current().addSigningKey(signingKey("k3", T0 + 20), T0 + 20);
      expect(await current().deleteSigningKeysSupersededBefore(T0 + 20)).toBe(1);
      expect((await current().listSigningKeys()).map((key) => key.kid)).toEqual(["k2", "k3"]);
      expect(await current().deleteSigningKeysSupersededBefore(T0 + 1_000_000)).toBe(1);
      expect((await current().listSigningKeys()).map((key) => key.kid)).toEqual(["k3"]);
      expect(await current().deleteSigningKeysSupersededBefore(T0 + 1_000_000)).toBe(0);
    });

    it("keeps its keys when callers mutate what they passed in or got back", async () => {
      const key = signingKey("k1", T0);
      await current().addSigningKey(key, T0);
      key.supersededAt = T0;
      const [listed] = await current().listSigningKeys();
      if (listed) listed.privateKey = "tampered";
      expect(await current().listSigningKeys()).toEqual([signingKey("k1", T0)]);
    });

    it("refuses a second key with the same kid and keeps the first current", async () => {
      await current().addSigningKey(signingKey("k1", T0), T0);
      await expect(current().addSigningKey(signingKey("k1", T0 + 1), T0 + 1)).rejects.toThrow();
      expect(await current().listSigningKeys()).toEqual([signingKey("k1", T0)]);
    });
  });
}
