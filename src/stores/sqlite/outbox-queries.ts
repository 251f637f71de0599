import type { Database } from "better-sqlite3";
import type { AuditEvents, WebhookClaim, WebhookDelivery } from "../../core/store.js";
import { readWebhookDeliveryRow, WEBHOOK_DELIVERY_COLUMNS } from "../sql/rows.js";
import { deliveryOrderKey, webhookPayload } from "../webhook-payload.js";

/** The webhook outbox of the SQLite store; synchronous, driver errors escape as they are. */
export interface OutboxQueries {
  /** Queues events while delivery is on; the caller runs it in the events' transaction. */
  queue(events: AuditEvents): void;
  setEnabled(enabled: boolean): void;
  claim(claim: WebhookClaim): WebhookDelivery[];
  complete(id: number, owner: string): void;
  retry(id: number, owner: string, nextAttemptAt: number, error: string): void;
  stats(): { depth: number; oldestCreatedAt: number | null };
  purge(before: number): number;
}

/** Prepares the outbox statements once, for the life of the connection. */
export function prepareOutboxQueries(db: Database): OutboxQueries {
  const enabled = db.prepare("SELECT enabled FROM webhook_state WHERE id = 1").pluck();
  const setEnabled = db.prepare("UPDATE webhook_state SET enabled = ? WHERE id = 1");
  const insert = db.prepare(`
    INSERT INTO webhook_outbox (event_id, order_key, payload, created_at, next_attempt_at)
    VALUES (?, ?, ?, ?, ?)
  `);
  // Due, unleased (or past its lease), and the oldest row of its user: one per user at a time.
  const due = db.prepare(`
    SELECT ${WEBHOOK_DELIVERY_COLUMNS} FROM webhook_outbox o
    WHERE next_attempt_at <= @now AND (lease_until IS NULL OR lease_until <= @now)
      AND NOT EXISTS (SELECT 1 FROM webhook_outbox p WHERE p.order_key = o.order_key AND p.id < o.id)
    ORDER BY id LIMIT @limit
  `);
  // Leases a row read a moment ago unless another process leased or delivered it meanwhile.
  // It is still the oldest of its user: rows are only ever added after it.
  const lease = db.prepare(`
    UPDATE webhook_outbox SET lease_owner = @owner, lease_until = @until
    WHERE id = @id AND next_attempt_at <= @now AND (lease_until IS NULL OR lease_until <= @now)
  `);
  const complete = db.prepare("DELETE FROM webhook_outbox WHERE id = ? AND lease_owner = ?");
  const retry = db.prepare(`
    UPDATE webhook_outbox
    SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, lease_owner = NULL, lease_until = NULL
    WHERE id = ? AND lease_owner = ?
  `);
  const stats = db.prepare("SELECT count(*) AS depth, min(created_at) AS oldest FROM webhook_outbox");
  const purge = db.prepare("DELETE FROM webhook_outbox WHERE created_at < ?");
  const readDue = (claim: WebhookClaim): WebhookDelivery[] =>
    due.all({ now: claim.now, limit: claim.limit }).map(readWebhookDeliveryRow);
  const claim = db.transaction((request: WebhookClaim, candidates: readonly WebhookDelivery[]) =>
    candidates.filter(
      (delivery) =>
        lease.run({ owner: request.owner, until: request.now + request.leaseMs, id: delivery.id, now: request.now })
          .changes > 0,
    ),
  );

  return {
    queue(events) {
      if (events.length === 0 || enabled.get() !== 1) return;
      for (const event of events) {
        insert.run(event.id, deliveryOrderKey(event), webhookPayload(event), event.time, event.time);
      }
    },
    setEnabled(on) {
      setEnabled.run(on ? 1 : 0);
    },
    // A read first, outside any transaction: an idle outbox never takes the write lock.
    claim(request) {
      const candidates = readDue(request);
      return candidates.length === 0 ? [] : claim.immediate(request, candidates);
    },
    complete(id, owner) {
      complete.run(id, owner);
    },
    retry(id, owner, nextAttemptAt, error) {
      retry.run(nextAttemptAt, error.slice(0, 512), id, owner);
    },
    stats() {
      const { depth, oldest } = stats.get() as { depth: number; oldest: number | null };
      return { depth, oldestCreatedAt: oldest };
    },
    purge: (before) => purge.run(before).changes,
  };
}
