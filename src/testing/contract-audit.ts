import { describe, expect, it } from "vitest";
import type { AuditEvent, AuditEventType } from "../core/audit/audit-event.js";
import type { GatehouseStore } from "../core/store.js";
import { expectRejectsWith, newFamily, newUser, rotation, signingKey, T0 } from "./contract-fixtures.js";

let counter = 0;

/** An event as the audit log builds it; ids are unique per call. */
export function auditEvent(type: AuditEventType, overrides: Partial<AuditEvent> = {}): AuditEvent {
  counter++;
  return {
    id: `0190a000-0000-7000-8000-${String(counter).padStart(12, "0")}`,
    time: T0,
    type,
    username: "JohnDoe",
    actor: "self",
    ip: "203.0.113.7",
    userAgent: "Mozilla/5.0 (contract)",
    sessionId: null,
    details: {},
    ...overrides,
  };
}

/** What every store must do with the audit log. */
export function describeAuditContract(current: () => GatehouseStore): void {
  const all = async () => (await current().listAuditEvents({ limit: 500, cursor: null })).events;
  const types = async () => (await all()).map((event) => event.type);

  describe("audit log", () => {
    it("keeps every field of an event as recorded", async () => {
      const event = auditEvent("login.failed", {
        username: "nobody-Ǆ",
        actor: "admin:root",
        ip: null,
        userAgent: null,
        sessionId: "s-1",
        details: { reason: "credentials", known: false, nested: { list: [1, "two", null] } },
      });
      await current().recordAuditEvents([event]);
      expect(await all()).toEqual([event]);
    });

    it("records a write's events with it, and none for a write that changes nothing", async () => {
      await current().createUser(newUser("JohnDoe"), T0, [auditEvent("user.created")]);
      await current().updateUser("johndoe", { disabled: true }, T0 + 1, [
        auditEvent("user.disabled", { time: T0 + 1 }),
      ]);
      expect(await current().updateUser("ghost", { disabled: true }, T0 + 2, [auditEvent("user.disabled")])).toBeNull();
      expect(await current().deleteUser("ghost", [auditEvent("user.removed")])).toBe(false);
      await current().addSigningKey(signingKey("k1", T0), T0 + 3, [auditEvent("keys.rotated", { time: T0 + 3 })]);
      expect(await types()).toEqual(["keys.rotated", "user.disabled", "user.created"]);
      await current().deleteUser("johndoe", [auditEvent("user.removed", { time: T0 + 4 })]);
      expect((await types())[0]).toBe("user.removed");
    });

    it("records nothing when the write fails: the change and its record commit together", async () => {
      await current().createUser(newUser("JohnDoe"), T0);
      await expectRejectsWith(
        current().createUser(newUser("johndoe"), T0, [auditEvent("user.created")]),
        "user_exists",
      );
      await expectRejectsWith(
        current().createRefreshFamily(newFamily({ username: "ghost" }), [auditEvent("login.succeeded")]),
        "user_not_found",
      );
      expect(await all()).toEqual([]);
    });

    it("records a batch's events only for the users it created", async () => {
      await current().createUser(newUser("alice"), T0);
      const outcomes = await current().createUsers([newUser("JohnDoe"), newUser("ALICE"), newUser("bob")], T0, [
        [auditEvent("user.created", { username: "JohnDoe" })],
        [auditEvent("user.created", { username: "ALICE" })],
        [auditEvent("user.created", { username: "bob" })],
      ]);
      expect(outcomes).toEqual(["created", "exists", "created"]);
      expect((await all()).map((event) => event.username).sort()).toEqual(["JohnDoe", "bob"]);
    });

    it("records a login's event with its session, and a rotation's event by its outcome", async () => {
      await current().createUser(newUser("JohnDoe"), T0);
      await current().createRefreshFamily(newFamily(), [auditEvent("login.succeeded", { sessionId: "family-1" })]);
      const events = (outcome: string) => ({
        rotated: [auditEvent("token.refreshed", { details: { outcome, was: "rotated" } })],
        reissued: [auditEvent("token.refreshed", { details: { outcome, was: "reissued" } })],
        reused: [auditEvent("refresh.reuse_detected", { details: { outcome } })],
      });
      const reuse = { reuseIntervalMs: 10_000 };
      await current().rotateRefreshToken(rotation("hash-1", "hash-2", T0 + 1, reuse), events("first"));
      await current().rotateRefreshToken(rotation("hash-1", "hash-2", T0 + 2, reuse), events("retry"));
      await current().rotateRefreshToken(rotation("hash-1", "hash-2", T0 + 20_000, reuse), events("late"));
      await current().rotateRefreshToken(rotation("unknown", "x", T0 + 20_001), events("invalid"));
      const recorded = (await all()).map((event) => [event.type, event.details]);
      expect(recorded).toHaveLength(4);
      expect(recorded).toEqual(
        expect.arrayContaining([
          ["login.succeeded", {}],
          ["token.refreshed", { outcome: "first", was: "rotated" }],
          ["token.refreshed", { outcome: "retry", was: "reissued" }],
          ["refresh.reuse_detected", { outcome: "late" }],
        ]),
      );
    });

    it("records session revocations that happened, and access token revocations always", async () => {
      await current().createUser(newUser("JohnDoe"), T0);
      await current().createRefreshFamily(newFamily());
      expect(await current().revokeSession("johndoe", "nope", T0 + 1, [auditEvent("session.revoked")])).toBe(false);
      expect(await current().revokeSession("johndoe", "family-1", T0 + 1, [auditEvent("session.revoked")])).toBe(true);
      await current().revokeRefreshFamily("no-such-family", T0 + 2, [auditEvent("token.revoked")]);
      await current().revokeRefreshFamily("family-1", T0 + 2, [auditEvent("logout")]);
      await current().revokeAccessToken("jti-1", T0 + 60_000, [auditEvent("token.revoked")]);
      expect((await types()).sort()).toEqual(["logout", "session.revoked", "token.revoked"]);
    });

    it("lists newest first by time, then by order of recording", async () => {
      await current().recordAuditEvents([
        auditEvent("login.failed", { time: T0 + 5, details: { n: 1 } }),
        auditEvent("login.failed", { time: T0 + 9, details: { n: 2 } }),
        auditEvent("login.failed", { time: T0 + 5, details: { n: 3 } }),
      ]);
      await current().recordAuditEvents([auditEvent("login.failed", { time: T0 + 5, details: { n: 4 } })]);
      expect((await all()).map((event) => event.details.n)).toEqual([2, 4, 3, 1]);
    });

    it("filters by username (case-insensitively), type and time, together", async () => {
      await current().recordAuditEvents([
        auditEvent("login.failed", { username: "JohnDoe", time: T0 }),
        auditEvent("login.succeeded", { username: "johndoe", time: T0 + 10 }),
        auditEvent("login.failed", { username: "JOHNDOE", time: T0 + 20 }),
        auditEvent("login.failed", { username: "alice", time: T0 + 30 }),
        auditEvent("keys.rotated", { username: null, time: T0 + 40 }),
      ]);
      const list = (query: object) => current().listAuditEvents({ limit: 10, cursor: null, ...query });
      expect((await list({ username: "johnDOE" })).events.map((e) => e.time)).toEqual([T0 + 20, T0 + 10, T0]);
      expect((await list({ type: "login.failed" })).events.map((e) => e.time)).toEqual([T0 + 30, T0 + 20, T0]);
      expect((await list({ since: T0 + 20 })).events.map((e) => e.time)).toEqual([T0 + 40, T0 + 30, T0 + 20]);
      expect(
        (await list({ username: "johndoe", type: "login.failed", since: T0 + 1 })).events.map((e) => e.time),
      ).toEqual([T0 + 20]);
      expect((await list({ username: "nobody" })).events).toEqual([]);
    });

    it("pages with a cursor: every event once, in order, and null after the last page", async () => {
      const recorded = Array.from({ length: 7 }, (_, i) =>
        auditEvent("token.refreshed", { time: T0 + Math.floor(i / 2), details: { i } }),
      );
      await current().recordAuditEvents(recorded);
      const seen: unknown[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await current().listAuditEvents({ username: "johndoe", limit: 3, cursor });
        seen.push(...page.events.map((event) => event.details.i));
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== null);
      expect(pages).toBe(3);
      expect(seen).toEqual([6, 5, 4, 3, 2, 1, 0]);
    });

    it.each(["", "not a cursor", "MTIz", Buffer.from("1.2.3").toString("base64url"), "x".repeat(100)])(
      "rejects the cursor %j with validation_failed",
      async (cursor) => {
        const error = await expectRejectsWith(current().listAuditEvents({ limit: 10, cursor }), "validation_failed");
        expect(error.message).toBe("invalid cursor");
      },
    );

    it("purges events older than a point in time and counts them", async () => {
      await current().recordAuditEvents([
        auditEvent("login.failed", { time: T0 }),
        auditEvent("login.failed", { time: T0 + 100 }),
        auditEvent("login.failed", { time: T0 + 200 }),
      ]);
      expect(await current().purgeAuditEvents(T0 + 100)).toBe(1);
      expect(await current().purgeAuditEvents(T0 + 100)).toBe(0);
      expect((await all()).map((event) => event.time)).toEqual([T0 + 200, T0 + 100]);
    });
  });
}
