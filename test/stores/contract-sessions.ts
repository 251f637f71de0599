import { describe, expect, it } from "vitest";
import type { GatehouseStore, StoredRefreshToken } from "../../src/core/store.js";
import { expectRejectsWith, newUser, T0 } from "./contract-fixtures.js";

const HOUR = 3_600_000;

function refreshToken(overrides: Partial<StoredRefreshToken> = {}): StoredRefreshToken {
  return {
    tokenHash: "hash-1",
    familyId: "family-1",
    username: "johndoe",
    clientId: null,
    scope: "me admin",
    issuedAt: T0,
    expiresAt: T0 + HOUR,
    usedAt: null,
    ...overrides,
  };
}

const next = (tokenHash: string, issuedAt: number) => ({ tokenHash, issuedAt, expiresAt: issuedAt + HOUR });

/** What every store must do with refresh token families and access token revocations. */
export function describeSessionContract(current: () => GatehouseStore): void {
  const withUser = async (username = "JohnDoe") => current().createUser(newUser(username), T0);

  describe("refresh tokens", () => {
    it("starts a family and finds its token with the owner's stored username", async () => {
      await withUser();
      await current().createRefreshFamily(refreshToken({ clientId: "swagger" }));
      expect(await current().findRefreshToken("hash-1")).toEqual(
        refreshToken({ clientId: "swagger", username: "JohnDoe" }),
      );
      expect(await current().findRefreshToken("hash-2")).toBeNull();
    });

    it("refuses a family for an unknown user with user_not_found", async () => {
      await expectRejectsWith(current().createRefreshFamily(refreshToken()), "user_not_found");
      expect(await current().findRefreshToken("hash-1")).toBeNull();
    });

    it("rotates: marks the old token used and stores the replacement in the same family", async () => {
      await withUser();
      await current().createRefreshFamily(refreshToken());
      const result = await current().rotateRefreshToken("hash-1", next("hash-2", T0 + 10), T0 + 10);
      expect(result).toEqual({ status: "rotated", previous: refreshToken({ username: "JohnDoe", usedAt: T0 + 10 }) });
      expect((await current().findRefreshToken("hash-1"))?.usedAt).toBe(T0 + 10);
      expect(await current().findRefreshToken("hash-2")).toEqual(
        refreshToken({ tokenHash: "hash-2", username: "JohnDoe", issuedAt: T0 + 10, expiresAt: T0 + 10 + HOUR }),
      );
    });

    it("treats a second use as theft: reused, and the whole family is revoked", async () => {
      await withUser();
      await current().createRefreshFamily(refreshToken());
      await current().rotateRefreshToken("hash-1", next("hash-2", T0 + 10), T0 + 10);
      const reuse = await current().rotateRefreshToken("hash-1", next("hash-3", T0 + 20), T0 + 20);
      expect(reuse).toMatchObject({ status: "reused", previous: { tokenHash: "hash-1", usedAt: T0 + 10 } });
      expect(await current().rotateRefreshToken("hash-2", next("hash-4", T0 + 30), T0 + 30)).toEqual({
        status: "invalid",
      });
      expect(await current().findRefreshToken("hash-3")).toBeNull();
      expect((await current().findTokenSubject("johndoe", null, "family-1"))?.revoked).toBe(true);
    });

    it("lets exactly one of two concurrent rotations of one token win", async () => {
      await withUser();
      await current().createRefreshFamily(refreshToken());
      const results = await Promise.all([
        current().rotateRefreshToken("hash-1", next("hash-a", T0 + 1), T0 + 1),
        current().rotateRefreshToken("hash-1", next("hash-b", T0 + 1), T0 + 1),
      ]);
      expect(results.filter((result) => result.status === "rotated")).toHaveLength(1);
    });

    it.each([
      ["unknown", "hash-x", T0 + 1],
      ["expired", "hash-1", T0 + HOUR],
    ])("answers invalid for an %s token and changes nothing", async (_what, hash, now) => {
      await withUser();
      await current().createRefreshFamily(refreshToken());
      expect(await current().rotateRefreshToken(hash, next("hash-2", now), now)).toEqual({ status: "invalid" });
      expect((await current().findRefreshToken("hash-1"))?.usedAt).toBeNull();
      expect(await current().findRefreshToken("hash-2")).toBeNull();
    });

    it("revokes one family: its tokens stop rotating, other families keep working", async () => {
      await withUser();
      await current().createRefreshFamily(refreshToken());
      await current().createRefreshFamily(refreshToken({ tokenHash: "other", familyId: "family-2" }));
      await current().revokeRefreshFamily("family-1", T0 + 1);
      await current().revokeRefreshFamily("family-1", T0 + 2);
      await current().revokeRefreshFamily("no-such-family", T0 + 2);
      expect(await current().rotateRefreshToken("hash-1", next("hash-2", T0 + 3), T0 + 3)).toEqual({
        status: "invalid",
      });
      expect((await current().rotateRefreshToken("other", next("hash-3", T0 + 3), T0 + 3)).status).toBe("rotated");
    });

    it("revokes every family of one user, found case-insensitively, and no one else's", async () => {
      await withUser();
      await withUser("alice");
      await current().createRefreshFamily(refreshToken());
      await current().createRefreshFamily(refreshToken({ tokenHash: "h2", familyId: "family-2" }));
      await current().createRefreshFamily(refreshToken({ tokenHash: "h3", familyId: "family-3", username: "alice" }));
      await current().revokeUserRefreshFamilies("JOHNDOE", T0 + 1);
      for (const family of ["family-1", "family-2"]) {
        expect((await current().findTokenSubject("johndoe", null, family))?.revoked).toBe(true);
      }
      expect((await current().findTokenSubject("alice", null, "family-3"))?.revoked).toBe(false);
    });

    it("forgets a deleted user's refresh tokens", async () => {
      await withUser();
      await current().createRefreshFamily(refreshToken());
      await current().deleteUser("johndoe");
      await withUser();
      expect(await current().findRefreshToken("hash-1")).toBeNull();
      expect(await current().rotateRefreshToken("hash-1", next("hash-2", T0 + 1), T0 + 1)).toEqual({
        status: "invalid",
      });
    });
  });

  describe("token subjects and revocation", () => {
    it("returns the user, not revoked, for a token nobody revoked", async () => {
      const user = await withUser();
      expect(await current().findTokenSubject("johndoe", "jti-1", "family-1")).toEqual({ user, revoked: false });
      expect(await current().findTokenSubject("johndoe", null, null)).toEqual({ user, revoked: false });
    });

    it("returns null for an unknown user", async () => {
      expect(await current().findTokenSubject("ghost", "jti-1", null)).toBeNull();
    });

    it("reports a revoked access token by jti, and only that one", async () => {
      await withUser();
      await current().revokeAccessToken("jti-1", T0 + HOUR);
      await current().revokeAccessToken("jti-1", T0 + HOUR);
      expect((await current().findTokenSubject("JOHNDOE", "jti-1", null))?.revoked).toBe(true);
      expect((await current().findTokenSubject("johndoe", "jti-2", null))?.revoked).toBe(false);
    });

    it("purges expired revocations and refresh tokens, keeps live ones, and counts what went", async () => {
      await withUser();
      await current().revokeAccessToken("old", T0 + 10);
      await current().revokeAccessToken("live", T0 + HOUR * 2);
      await current().createRefreshFamily(refreshToken());
      await current().createRefreshFamily(
        refreshToken({ tokenHash: "long", familyId: "family-2", expiresAt: T0 + HOUR * 3 }),
      );
      expect(await current().purgeExpired(T0 + HOUR + 1)).toBeGreaterThanOrEqual(2);
      expect(await current().purgeExpired(T0 + HOUR + 1)).toBe(0);
      expect((await current().findTokenSubject("johndoe", "old", null))?.revoked).toBe(false);
      expect((await current().findTokenSubject("johndoe", "live", null))?.revoked).toBe(true);
      expect(await current().findRefreshToken("hash-1")).toBeNull();
      expect(await current().findRefreshToken("long")).not.toBeNull();
    });

    it("keeps a family while a rotated token keeps it alive", async () => {
      await withUser();
      await current().createRefreshFamily(refreshToken());
      await current().rotateRefreshToken("hash-1", next("hash-2", T0 + HOUR - 1), T0 + HOUR - 1);
      await current().revokeRefreshFamily("family-1", T0 + HOUR);
      await current().purgeExpired(T0 + HOUR + 1);
      expect((await current().findTokenSubject("johndoe", null, "family-1"))?.revoked).toBe(true);
    });
  });
}
