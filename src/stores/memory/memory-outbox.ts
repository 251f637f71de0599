import type { AuditEvents, WebhookDelivery, WebhookOutboxStore } from "../../core/store.js";
import { deliveryOrderKey, webhookPayload } from "../webhook-payload.js";

interface Entry {
  delivery: WebhookDelivery;
  orderKey: string;
  nextAttemptAt: number;
  leaseOwner: string | null;
  leaseUntil: number;
}

/** The memory store's webhook outbox, with the SQL stores' order and leases. */
export interface MemoryOutbox extends WebhookOutboxStore {
  /** Queues events for delivery while delivery is on (a write's, in its "transaction"), due at once. */
  queue(events: AuditEvents | undefined): void;
  /** Forgets deliveries queued before `before`. */
  purge(before: number): void;
}

/** Creates the memory store's webhook outbox. */
export function createMemoryOutbox(open: () => void): MemoryOutbox {
  const entries: Entry[] = [];
  let enabled = false;
  let next = 0;
  const held = (entry: Entry, owner: string) => entry.leaseOwner === owner;

  return {
    queue(events) {
      if (!enabled) return;
      for (const event of events ?? []) {
        entries.push({
          delivery: {
            id: ++next,
            eventId: event.id,
            payload: webhookPayload(event),
            attempts: 0,
            createdAt: event.time,
          },
          orderKey: deliveryOrderKey(event),
          nextAttemptAt: event.time,
          leaseOwner: null,
          leaseUntil: 0,
        });
      }
    },
    purge(before) {
      const kept = entries.filter((entry) => entry.delivery.createdAt >= before);
      entries.splice(0, entries.length, ...kept);
    },
    async setWebhookDelivery(on) {
      open();
      enabled = on;
    },
    async claimWebhookDeliveries({ now, limit, leaseMs, owner }) {
      open();
      const heads = new Set<string>();
      const claimed: WebhookDelivery[] = [];
      for (const entry of entries) {
        if (claimed.length >= limit) break;
        // Only the oldest undelivered event of each user may go; entries are in queueing order.
        if (heads.has(entry.orderKey)) continue;
        heads.add(entry.orderKey);
        if (entry.nextAttemptAt > now || entry.leaseUntil > now) continue;
        entry.leaseOwner = owner;
        entry.leaseUntil = now + leaseMs;
        claimed.push({ ...entry.delivery });
      }
      return claimed;
    },
    async completeWebhookDelivery(id, owner) {
      open();
      const index = entries.findIndex((entry) => entry.delivery.id === id && held(entry, owner));
      if (index >= 0) entries.splice(index, 1);
    },
    async retryWebhookDelivery(id, owner, nextAttemptAt) {
      open();
      const entry = entries.find((candidate) => candidate.delivery.id === id && held(candidate, owner));
      if (!entry) return;
      entry.delivery.attempts++;
      entry.nextAttemptAt = nextAttemptAt;
      entry.leaseOwner = null;
      entry.leaseUntil = 0;
    },
    async webhookOutboxStats() {
      open();
      return { depth: entries.length, oldestCreatedAt: entries[0]?.delivery.createdAt ?? null };
    },
  };
}
