import { describe, expect, it } from "vitest";
import { SYSTEM_CONTEXT } from "../core/audit/audit-event.js";
import type { AuditEvent, GatehouseStore, StoredMfaToken } from "../core/store.js";
import { newFamily, newUser, rotation, T0 } from "./contract-fixtures.js";

const HASHES = Array.from({ length: 10 }, (_, i) => `code-hash-${i}`);

function mfaToken(overrides: Partial<StoredMfaToken> = {}): StoredMfaToken {
  return {
    tokenHash: "mfa-token-hash",
    username: "JohnDoe",
    clientAddress: "203.0.113.7",
    clientId: null,
    scope: "me",
    createdAt: T0,
    expiresAt: T0 + 300_000,
    failures: 0,
    ...overrides,
  };
}

function event(type: AuditEvent["type"], id: string): AuditEvent[] {
  return [
    {
      id,
      time: T0,
      type,
      username: "JohnDoe",
      actor: SYSTEM_CONTEXT.actor,
      ip: null,
      userAgent: null,
      sessionId: null,
      details: {},
    },
  ];
}

/** What every store must do with second factors: sealed secrets, recovery codes, second-step tokens. */
export function describeMfaContract(current: () => GatehouseStore): void {
  const withUser = () => current().createUser(newUser("JohnDoe"), T0);
  const confirmed = async () => {
    await withUser();
    await current().savePendingTotpFactor("johndoe", "sealed-1", T0);
    await current().confirmTotpFactor("JOHNDOE", { timeStep: 100, recoveryCodeHashes: HASHES, now: T0 + 1 });
  };

  describe("second factors", () => {
    it("keeps a pending factor apart from the user until it is confirmed", async () => {
      await withUser();
      expect(await current().findTotpFactor("johndoe")).toBeNull();
      expect(await current().savePendingTotpFactor("johndoe", "sealed-1", T0)).toBe(true);
      expect(await current().savePendingTotpFactor("johndoe", "sealed-2", T0 + 5)).toBe(true);
      expect(await current().findTotpFactor("JohnDoe")).toEqual({
        username: "JohnDoe",
        secretCiphertext: "sealed-2",
        createdAt: T0 + 5,
        confirmedAt: null,
        lastTimeStep: null,
      });
      expect((await current().findUserByUsername("johndoe"))?.mfaEnabled).toBeUndefined();
      expect(await current().savePendingTotpFactor("nobody", "sealed", T0)).toBe(false);
    });

    it("confirms once: the factor is on, mfaEnabled is set, codes are stored, the event recorded", async () => {
      await withUser();
      await current().savePendingTotpFactor("johndoe", "sealed-1", T0);
      const confirmation = { timeStep: 100, recoveryCodeHashes: HASHES, now: T0 + 1 };
      expect(await current().confirmTotpFactor("johndoe", confirmation, event("mfa.enrolled", "e1"))).toBe(true);
      expect(await current().confirmTotpFactor("johndoe", confirmation, event("mfa.enrolled", "e2"))).toBe(false);
      expect(await current().findTotpFactor("johndoe")).toMatchObject({ confirmedAt: T0 + 1, lastTimeStep: 100 });
      expect((await current().findUserByUsername("johndoe"))?.mfaEnabled).toBe(true);
      expect(await current().countRecoveryCodes("johndoe")).toBe(10);
      const { events } = await current().listAuditEvents({ type: "mfa.enrolled", limit: 10, cursor: null });
      expect(events.map((e) => e.id)).toEqual(["e1"]);
      // A confirmed factor is not replaced by a new pending one.
      expect(await current().savePendingTotpFactor("johndoe", "sealed-x", T0)).toBe(false);
    });

    it("accepts each time step once and only later ones (replay refusal)", async () => {
      await confirmed();
      expect(await current().acceptTotpTimeStep("johndoe", 100)).toBe(false);
      expect(await current().acceptTotpTimeStep("johndoe", 99)).toBe(false);
      expect(await current().acceptTotpTimeStep("johndoe", 101)).toBe(true);
      expect(await current().acceptTotpTimeStep("johndoe", 101)).toBe(false);
      const results = await Promise.all([102, 102, 102].map((step) => current().acceptTotpTimeStep("johndoe", step)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it("uses a recovery code exactly once, even when raced", async () => {
      await confirmed();
      const results = await Promise.all(
        [1, 2, 3].map(() => current().consumeRecoveryCode("johndoe", "code-hash-3", T0 + 2)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await current().consumeRecoveryCode("johndoe", "unknown", T0 + 2)).toBe(false);
      expect(await current().countRecoveryCodes("johndoe")).toBe(9);
    });

    it("replaces recovery codes: the old ones stop working", async () => {
      await confirmed();
      expect(await current().replaceRecoveryCodes("johndoe", ["fresh-1", "fresh-2"])).toBe(true);
      expect(await current().consumeRecoveryCode("johndoe", "code-hash-0", T0)).toBe(false);
      expect(await current().consumeRecoveryCode("johndoe", "fresh-1", T0)).toBe(true);
      expect(await current().countRecoveryCodes("johndoe")).toBe(1);
    });

    it("deletes the factor and its codes and clears mfaEnabled", async () => {
      await confirmed();
      expect(await current().deleteMfa("johndoe", T0, event("mfa.removed", "r1"))).toBe(true);
      expect(await current().deleteMfa("johndoe", T0, event("mfa.removed", "r2"))).toBe(false);
      expect(await current().findTotpFactor("johndoe")).toBeNull();
      expect(await current().countRecoveryCodes("johndoe")).toBe(0);
      expect((await current().findUserByUsername("johndoe"))?.mfaEnabled).toBeUndefined();
      const { events } = await current().listAuditEvents({ type: "mfa.removed", limit: 10, cursor: null });
      expect(events.map((e) => e.id)).toEqual(["r1"]);
    });

    it("keeps second-step tokens by hash, counts failures, dies at the limit, and is single-use", async () => {
      await withUser();
      await current().createMfaToken(mfaToken());
      expect(await current().findMfaToken("mfa-token-hash", T0)).toEqual(mfaToken());
      expect(await current().recordMfaTokenFailure("mfa-token-hash", 2)).toBe(true);
      expect((await current().findMfaToken("mfa-token-hash", T0))?.failures).toBe(1);
      expect(await current().recordMfaTokenFailure("mfa-token-hash", 2)).toBe(false);
      expect(await current().findMfaToken("mfa-token-hash", T0)).toBeNull();

      await current().createMfaToken(mfaToken({ tokenHash: "second" }));
      const consumed = await Promise.all([1, 2].map(() => current().consumeMfaToken("second", T0)));
      expect(consumed.filter(Boolean)).toHaveLength(1);
      expect(await current().findMfaToken("second", T0)).toBeNull();
    });

    it("does not honour an expired second-step token, and purges it", async () => {
      await withUser();
      await current().createMfaToken(mfaToken());
      const later = T0 + 300_000;
      expect(await current().findMfaToken("mfa-token-hash", later)).toBeNull();
      expect(await current().consumeMfaToken("mfa-token-hash", later)).toBe(false);
      expect(await current().purgeExpired(later)).toBeGreaterThanOrEqual(1);
    });

    it("forgets a removed user's factor, codes and tokens", async () => {
      await confirmed();
      await current().createMfaToken(mfaToken());
      await current().deleteUser("johndoe");
      await withUser();
      expect(await current().findTotpFactor("johndoe")).toBeNull();
      expect(await current().countRecoveryCodes("johndoe")).toBe(0);
      expect(await current().findMfaToken("mfa-token-hash", T0)).toBeNull();
    });

    it("keeps a session's amr on its refresh tokens, before and after rotation", async () => {
      await withUser();
      await current().createRefreshFamily(newFamily({ amr: ["pwd", "otp"] }));
      expect((await current().findRefreshToken("hash-1"))?.amr).toEqual(["pwd", "otp"]);
      const rotated = await current().rotateRefreshToken(rotation("hash-1", "hash-2", T0 + 1000));
      expect(rotated.status).toBe("rotated");
      expect((await current().findRefreshToken("hash-2"))?.amr).toEqual(["pwd", "otp"]);
    });
  });
}
