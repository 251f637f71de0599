import { describe, expect, it } from "vitest";
import { toAuditEventJson } from "../core/audit/audit-event.js";
import type { GatehouseStore } from "../core/store.js";
import { auditEvent } from "./contract-audit.js";
import { newFamily, newUser, T0 } from "./contract-fixtures.js";

const LEASE = 30_000;

/** What every store must do with the webhook outbox. */
export function describeOutboxContract(current: () => GatehouseStore): void {
  const claim = (owner: string, now = T0, limit = 10) =>
    current().claimWebhookDeliveries({ now, limit, leaseMs: LEASE, owner });

  describe("webhook outbox", () => {
    it("queues nothing while delivery is off", async () => {
      await current().recordAuditEvents([auditEvent("login.failed")]);
      expect(await claim("a")).toEqual([]);
      expect(await current().webhookOutboxStats()).toEqual({ depth: 0, oldestCreatedAt: null });
    });

    it("queues every recorded event with its JSON as the payload, from any write", async () => {
      await current().setWebhookDelivery(true);
      const created = auditEvent("user.created", { time: T0 - 3 });
      const login = auditEvent("login.succeeded", { username: "alice", time: T0 - 2, sessionId: "family-1" });
      const failed = auditEvent("login.failed", { username: "ghost", time: T0 - 1 });
      await current().createUser(newUser("JohnDoe"), T0, [created]);
      await current().createUser(newUser("alice"), T0);
      await current().createRefreshFamily(newFamily({ username: "alice" }), [login]);
      await current().recordAuditEvents([failed]);
      const claimed = await claim("a");
      expect(claimed.map((delivery) => [delivery.eventId, JSON.parse(delivery.payload)])).toEqual(
        [created, login, failed].map((event) => [event.id, toAuditEventJson(event)]),
      );
      expect(claimed.map((delivery) => [delivery.attempts, delivery.createdAt])).toEqual([
        [0, T0 - 3],
        [0, T0 - 2],
        [0, T0 - 1],
      ]);
      expect(await current().webhookOutboxStats()).toEqual({ depth: 3, oldestCreatedAt: T0 - 3 });
    });

    it("hands out one user's events one at a time, in order; other users' alongside", async () => {
      await current().setWebhookDelivery(true);
      const [a1, a2, b1] = [
        auditEvent("login.failed", { username: "alice", details: { n: 1 } }),
        auditEvent("login.failed", { username: "ALICE", details: { n: 2 } }),
        auditEvent("login.failed", { username: "bob", details: { n: 3 } }),
      ];
      await current().recordAuditEvents([a1, a2, b1]);
      const first = await claim("a");
      expect(first.map((delivery) => delivery.eventId)).toEqual([a1.id, b1.id]);
      expect(await claim("b")).toEqual([]);
      await current().completeWebhookDelivery(first[0]!.id, "a");
      expect((await claim("b")).map((delivery) => delivery.eventId)).toEqual([a2.id]);
    });

    it("leases a claim: another claimer gets it only once the lease has run out", async () => {
      await current().setWebhookDelivery(true);
      await current().recordAuditEvents([auditEvent("login.failed")]);
      const [mine] = await claim("a");
      expect(await claim("b", T0 + LEASE - 1)).toEqual([]);
      const [theirs] = await claim("b", T0 + LEASE);
      expect(theirs?.id).toBe(mine?.id);
      // The first claimer lost it: its completion changes nothing, the new holder's does.
      await current().completeWebhookDelivery(mine!.id, "a");
      expect((await current().webhookOutboxStats()).depth).toBe(1);
      await current().completeWebhookDelivery(mine!.id, "b");
      expect((await current().webhookOutboxStats()).depth).toBe(0);
    });

    it("reschedules a failed attempt, counting it, and keeps the user's later events behind it", async () => {
      await current().setWebhookDelivery(true);
      const first = auditEvent("login.failed", { details: { n: 1 } });
      await current().recordAuditEvents([first, auditEvent("login.failed", { details: { n: 2 } })]);
      const [delivery] = await claim("a");
      await current().retryWebhookDelivery(delivery!.id, "someone else", T0 + 5, "HTTP 500");
      expect(await claim("b", T0 + 1)).toEqual([]);
      await current().retryWebhookDelivery(delivery!.id, "a", T0 + 5_000, "HTTP 500");
      expect(await claim("b", T0 + 4_999)).toEqual([]);
      const again = await claim("b", T0 + 5_000);
      expect(again.map((d) => [d.eventId, d.attempts])).toEqual([[first.id, 1]]);
    });

    it("claims at most the limit, oldest first", async () => {
      await current().setWebhookDelivery(true);
      const events = Array.from({ length: 5 }, (_, i) => auditEvent("login.failed", { username: `user${i}` }));
      await current().recordAuditEvents(events);
      expect((await claim("a", T0, 2)).map((d) => d.eventId)).toEqual([events[0]?.id, events[1]?.id]);
      expect((await claim("b", T0, 10)).map((d) => d.eventId)).toEqual(events.slice(2).map((e) => e.id));
    });

    it("stops queueing once delivery is turned off, and purges undelivered events with the log", async () => {
      await current().setWebhookDelivery(true);
      await current().recordAuditEvents([auditEvent("login.failed", { time: T0 - 10 })]);
      await current().setWebhookDelivery(false);
      await current().recordAuditEvents([auditEvent("login.failed", { time: T0 })]);
      expect((await current().webhookOutboxStats()).depth).toBe(1);
      await current().purgeAuditEvents(T0 - 5);
      expect(await current().webhookOutboxStats()).toEqual({ depth: 0, oldestCreatedAt: null });
    });
  });
}
