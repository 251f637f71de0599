import { describe, expect, it } from "vitest";
import type { GatehouseStore, StoredRefreshToken } from "../core/store.js";
import { expectRejectsWith, newFamily, newUser, rotation, T0 } from "./contract-fixtures.js";

const HOUR = 3_600_000;
const REUSE = 10_000;

/** The first token of {@link newFamily} as the store reports it. */
function storedToken(overrides: Partial<StoredRefreshToken> = {}): StoredRefreshToken {
  return {
    tokenHash: "hash-1",
    familyId: "family-1",
    username: "JohnDoe",
    clientId: null,
    scope: "me admin",
    issuedAt: T0,
    expiresAt: T0 + HOUR,
    usedAt: null,
    sessionCreatedAt: T0,
    successorHash: null,
    ...overrides,
  };
}

/** What every store must do with refresh token families and access token revocations. */
export function describeSessionContract(current: () => GatehouseStore): void {
  const withUser = async (username = "JohnDoe") => current().createUser(newUser(username), T0);

  describe("refresh tokens", () => {
    it("starts a family and finds its token with the owner's stored username", async () => {
      await withUser();
      await current().createRefreshFamily(newFamily({ clientId: "swagger" }));
      expect(await current().findRefreshToken("hash-1")).toEqual(storedToken({ clientId: "swagger" }));
      expect(await current().findRefreshToken("hash-2")).toBeNull();
    });

    it("refuses a family for an unknown user with user_not_found", async () => {
      await expectRejectsWith(current().createRefreshFamily(newFamily()), "user_not_found");
      expect(await current().findRefreshToken("hash-1")).toBeNull();
    });

    it("rotates: marks the old token used with its successor's hash and stores the successor in the same family", async () => {
      await withUser();
      await current().createRefreshFamily(newFamily());
      const result = await current().rotateRefreshToken(rotation("hash-1", "hash-2", T0 + 10));
      expect(result).toEqual({
        status: "rotated",
        previous: storedToken({ usedAt: T0 + 10, successorHash: "hash-2" }),
      });
      expect(await current().findRefreshToken("hash-1")).toEqual(
        storedToken({ usedAt: T0 + 10, successorHash: "hash-2" }),
      );
      expect(await current().findRefreshToken("hash-2")).toEqual(
        storedToken({ tokenHash: "hash-2", issuedAt: T0 + 10, expiresAt: T0 + 10 + HOUR }),
      );
    });

    it("treats a second use as theft: reused, and the whole family is revoked", async () => {
      await withUser();
      await current().createRefreshFamily(newFamily());
      await current().rotateRefreshToken(rotation("hash-1", "hash-2", T0 + 10));
      const reuse = await current().rotateRefreshToken(rotation("hash-1", "hash-3", T0 + 20));
      expect(reuse).toMatchObject({ status: "reused", previous: { tokenHash: "hash-1", usedAt: T0 + 10 } });
      expect(await current().rotateRefreshToken(rotation("hash-2", "hash-4", T0 + 30))).toEqual({ status: "invalid" });
      expect(await current().findRefreshToken("hash-3")).toBeNull();
      expect((await current().findTokenSubject("johndoe", null, "family-1"))?.revoked).toBe(true);
    });

    it("lets exactly one of two concurrent strict rotations of one token win", async () => {
      await withUser();
      await current().createRefreshFamily(newFamily());
      const results = await Promise.all([
        current().rotateRefreshToken(rotation("hash-1", "hash-a", T0 + 1)),
        current().rotateRefreshToken(rotation("hash-1", "hash-b", T0 + 1)),
      ]);
      expect(results.filter((result) => result.status === "rotated")).toHaveLength(1);
    });

    it.each([
      ["unknown", "hash-x", T0 + 1],
      ["expired", "hash-1", T0 + HOUR],
    ])("answers invalid for an %s token and changes nothing", async (_what, hash, now) => {
      await withUser();
      await current().createRefreshFamily(newFamily());
      expect(await current().rotateRefreshToken(rotation(hash, "hash-2", now))).toEqual({ status: "invalid" });
      expect((await current().findRefreshToken("hash-1"))?.usedAt).toBeNull();
      expect(await current().findRefreshToken("hash-2")).toBeNull();
    });

    it("revokes one family: its tokens stop rotating, other families keep working", async () => {
      await withUser();
      await current().createRefreshFamily(newFamily());
      await current().createRefreshFamily(newFamily({ tokenHash: "other", familyId: "family-2" }));
      await current().revokeRefreshFamily("family-1", T0 + 1);
      await current().revokeRefreshFamily("family-1", T0 + 2);
      await current().revokeRefreshFamily("no-such-family", T0 + 2);
      expect(await current().rotateRefreshToken(rotation("hash-1", "hash-2", T0 + 3))).toEqual({ status: "invalid" });
      expect((await current().rotateRefreshToken(rotation("other", "hash-3", T0 + 3))).status).toBe("rotated");
    });

    it("revokes every family of one user, found case-insensitively, and no one else's", async () => {
      await withUser();
      await withUser("alice");
      await current().createRefreshFamily(newFamily());
      await current().createRefreshFamily(newFamily({ tokenHash: "h2", familyId: "family-2" }));
      await current().createRefreshFamily(newFamily({ tokenHash: "h3", familyId: "family-3", username: "alice" }));
      await current().revokeUserRefreshFamilies("JOHNDOE", T0 + 1);
      for (const family of ["family-1", "family-2"]) {
        expect((await current().findTokenSubject("johndoe", null, family))?.revoked).toBe(true);
      }
      expect((await current().findTokenSubject("alice", null, "family-3"))?.revoked).toBe(false);
    });

    it("forgets a deleted user's refresh tokens", async () => {
      await withUser();
      await current().createRefreshFamily(newFamily());
      await current().deleteUser("johndoe");
      await withUser();
      expect(await current().findRefreshToken("hash-1")).toBeNull();
      expect(await current().rotateRefreshToken(rotation("hash-1", "hash-2", T0 + 1))).toEqual({ status: "invalid" });
    });
  });

  describe("refresh reuse interval", () => {
    const reuse = { reuseIntervalMs: REUSE };

    it("answers reissued for the same successor within the interval, and changes nothing", async () => {
      await withUser();
      await current().createRefreshFamily(newFamily());
      expect((await current().rotateRefreshToken(rotation("hash-1", "hash-2", T0 + 10, reuse))).status).toBe("rotated");
      const again = await current().rotateRefreshToken(rotation("hash-1", "hash-2", T0 + 10 + REUSE - 1, reuse));
      expect(again).toEqual({
        status: "reissued",
        previous: storedToken({ usedAt: T0 + 10, successorHash: "hash-2" }),
      });
      expect((await current().findTokenSubject("johndoe", null, "family-1"))?.revoked).toBe(false);
      expect((await current().findRefreshToken("hash-2"))?.usedAt).toBeNull();
      expect((await current().rotateRefreshToken(rotation("hash-2", "hash-3", T0 + 20, reuse))).status).toBe("rotated");
    });

    it("treats the same successor once the interval has passed as theft", async () => {
      await withUser();
      await current().createRefreshFamily(newFamily());
      await current().rotateRefreshToken(rotation("hash-1", "hash-2", T0 + 10, reuse));
      expect((await current().rotateRefreshToken(rotation("hash-1", "hash-2", T0 + 10 + REUSE, reuse))).status).toBe(
        "reused",
      );
      expect((await current().findTokenSubject("johndoe", null, "family-1"))?.revoked).toBe(true);
    });

    it("treats a different successor within the interval as theft", async () => {
      await withUser();
      await current().createRefreshFamily(newFamily());
      await current().rotateRefreshToken(rotation("hash-1", "hash-2", T0 + 10, reuse));
      expect((await current().rotateRefreshToken(rotation("hash-1", "forged", T0 + 11, reuse))).status).toBe("reused");
      expect((await current().findTokenSubject("johndoe", null, "family-1"))?.revoked).toBe(true);
    });

    it("lets concurrent rotations with one successor all succeed: one rotated, the rest reissued", async () => {
      await withUser();
      await current().createRefreshFamily(newFamily());
      const results = await Promise.all(
        Array.from({ length: 4 }, () => current().rotateRefreshToken(rotation("hash-1", "hash-2", T0 + 1, reuse))),
      );
      expect(results.map((result) => result.status).sort()).toEqual(["reissued", "reissued", "reissued", "rotated"]);
      expect((await current().findTokenSubject("johndoe", null, "family-1"))?.revoked).toBe(false);
    });

    it("answers invalid within the interval once the family is revoked", async () => {
      await withUser();
      await current().createRefreshFamily(newFamily());
      await current().rotateRefreshToken(rotation("hash-1", "hash-2", T0 + 10, reuse));
      await current().revokeRefreshFamily("family-1", T0 + 11);
      expect(await current().rotateRefreshToken(rotation("hash-1", "hash-2", T0 + 12, reuse))).toEqual({
        status: "invalid",
      });
    });
  });

  describe("sessions", () => {
    it("lists a user's live sessions newest first, with their metadata", async () => {
      await withUser();
      await current().createRefreshFamily(newFamily());
      await current().createRefreshFamily(
        newFamily({ familyId: "family-2", tokenHash: "h2", issuedAt: T0 + 5, clientId: "app", ip: null }),
      );
      expect(await current().listSessions("JOHNDOE", T0 + 6)).toEqual([
        {
          id: "family-2",
          username: "JohnDoe",
          clientId: "app",
          scope: "me admin",
          createdAt: T0 + 5,
          lastUsedAt: T0 + 5,
          expiresAt: T0 + HOUR,
          ip: null,
          userAgent: "Mozilla/5.0 (contract)",
          amr: ["pwd"],
        },
        {
          id: "family-1",
          username: "JohnDoe",
          clientId: null,
          scope: "me admin",
          createdAt: T0,
          lastUsedAt: T0,
          expiresAt: T0 + HOUR,
          ip: "203.0.113.7",
          userAgent: "Mozilla/5.0 (contract)",
          amr: ["pwd"],
        },
      ]);
    });

    it("records a refresh as the session's latest use, address and user agent, and extends its expiry", async () => {
      await withUser();
      await current().createRefreshFamily(newFamily());
      await current().rotateRefreshToken(rotation("hash-1", "hash-2", T0 + 100));
      expect(await current().listSessions("johndoe", T0 + 101)).toMatchObject([
        {
          id: "family-1",
          createdAt: T0,
          lastUsedAt: T0 + 100,
          expiresAt: T0 + 100 + HOUR,
          ip: "198.51.100.1",
          userAgent: "Mozilla/5.0 (refresh)",
        },
      ]);
    });

    it("leaves out revoked and expired sessions, and other users'", async () => {
      await withUser();
      await withUser("alice");
      await current().createRefreshFamily(newFamily());
      await current().createRefreshFamily(newFamily({ familyId: "family-2", tokenHash: "h2" }));
      await current().createRefreshFamily(newFamily({ familyId: "short", tokenHash: "h3", expiresAt: T0 + 5 }));
      await current().createRefreshFamily(newFamily({ familyId: "alices", tokenHash: "h4", username: "alice" }));
      await current().revokeRefreshFamily("family-2", T0 + 1);
      expect((await current().listSessions("johndoe", T0 + 5)).map((session) => session.id)).toEqual(["family-1"]);
      expect(await current().listSessions("ghost", T0 + 5)).toEqual([]);
    });

    it("revokes one of the user's own live sessions, and refuses another user's, a dead or an unknown one", async () => {
      await withUser();
      await withUser("alice");
      await current().createRefreshFamily(newFamily());
      await current().createRefreshFamily(newFamily({ familyId: "alices", tokenHash: "h2", username: "alice" }));
      expect(await current().revokeSession("johndoe", "alices", T0 + 1)).toBe(false);
      expect(await current().revokeSession("johndoe", "no-such-session", T0 + 1)).toBe(false);
      expect((await current().findTokenSubject("alice", null, "alices"))?.revoked).toBe(false);
      expect(await current().revokeSession("JohnDoe", "family-1", T0 + 1)).toBe(true);
      expect(await current().revokeSession("johndoe", "family-1", T0 + 2)).toBe(false);
      expect((await current().findTokenSubject("johndoe", null, "family-1"))?.revoked).toBe(true);
      expect(await current().rotateRefreshToken(rotation("hash-1", "hash-2", T0 + 3))).toEqual({ status: "invalid" });
    });
  });

  describe("server secrets", () => {
    it("stores the first candidate under a name and returns it to every later caller", async () => {
      expect(await current().ensureSecret("refresh-successor-key", "first", T0)).toBe("first");
      expect(await current().ensureSecret("refresh-successor-key", "second", T0 + 1)).toBe("first");
      expect(await current().ensureSecret("another", "other", T0 + 1)).toBe("other");
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
      await current().createRefreshFamily(newFamily());
      await current().createRefreshFamily(
        newFamily({ tokenHash: "long", familyId: "family-2", expiresAt: T0 + HOUR * 3 }),
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
      await current().createRefreshFamily(newFamily());
      await current().rotateRefreshToken(rotation("hash-1", "hash-2", T0 + HOUR - 1));
      await current().revokeRefreshFamily("family-1", T0 + HOUR);
      await current().purgeExpired(T0 + HOUR + 1);
      expect((await current().findTokenSubject("johndoe", null, "family-1"))?.revoked).toBe(true);
    });
  });
}
