import type { Pool } from "pg";
import type { WebhookClaim, WebhookDelivery } from "../../core/store.js";
import { readWebhookDeliveryRow, WEBHOOK_DELIVERY_COLUMNS } from "../sql/rows.js";
import { queryFirst, queryRows, type Statement } from "./sql-runner.js";
import type { Tables } from "./tables.js";

/** The webhook outbox of the PostgreSQL store (queueing is part of every audit insert); driver errors escape. */
export interface OutboxQueries {
  setEnabled(enabled: boolean): Promise<void>;
  claim(claim: WebhookClaim): Promise<WebhookDelivery[]>;
  complete(id: number, owner: string): Promise<void>;
  retry(id: number, owner: string, nextAttemptAt: number, error: string): Promise<void>;
  stats(): Promise<{ depth: number; oldestCreatedAt: number | null }>;
}

/** Builds the outbox statements for a schema's tables. */
export function createOutboxQueries(pool: Pool, t: Tables): OutboxQueries {
  // One statement: pick the due heads (the oldest row of each user), skipping rows another
  // instance is claiming right now, and lease them. A row whose lease another instance took
  // meanwhile fails the re-check PostgreSQL makes on the locked row, so no row is leased twice.
  const claim: Statement = {
    name: "gatehouse_claim_webhooks",
    text: `
      WITH due AS (
        SELECT id AS due_id FROM ${t.webhookOutbox} o
        WHERE next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
          AND NOT EXISTS (SELECT 1 FROM ${t.webhookOutbox} p WHERE p.order_key = o.order_key AND p.id < o.id)
        ORDER BY id LIMIT $2
        FOR UPDATE SKIP LOCKED
      )
      UPDATE ${t.webhookOutbox} w SET lease_owner = $3, lease_until = $1::bigint + $4::bigint
      FROM due WHERE w.id = due.due_id
      RETURNING ${WEBHOOK_DELIVERY_COLUMNS}
    `,
  };
  const complete: Statement = {
    name: "gatehouse_complete_webhook",
    text: `DELETE FROM ${t.webhookOutbox} WHERE id = $1 AND lease_owner = $2`,
  };
  const retry: Statement = {
    name: "gatehouse_retry_webhook",
    text: `
      UPDATE ${t.webhookOutbox}
      SET attempts = attempts + 1, next_attempt_at = $3, last_error = $4, lease_owner = NULL, lease_until = NULL
      WHERE id = $1 AND lease_owner = $2
    `,
  };
  const stats: Statement = {
    name: "gatehouse_webhook_stats",
    text: `SELECT count(*) AS depth, min(created_at) AS oldest FROM ${t.webhookOutbox}`,
  };

  return {
    async setEnabled(enabled) {
      await pool.query({ text: `UPDATE ${t.webhookState} SET enabled = $1 WHERE id = 1`, values: [enabled] });
    },
    async claim({ now, limit, leaseMs, owner }) {
      const rows = await queryRows(pool, claim, [now, limit, owner, leaseMs]);
      return rows.map(readWebhookDeliveryRow).sort((a, b) => a.id - b.id);
    },
    async complete(id, owner) {
      await queryRows(pool, complete, [id, owner]);
    },
    async retry(id, owner, nextAttemptAt, error) {
      await queryRows(pool, retry, [id, owner, nextAttemptAt, error.slice(0, 512)]);
    },
    async stats() {
      const { depth, oldest } = await queryFirst(pool, stats);
      if (typeof depth !== "number" || (oldest !== null && typeof oldest !== "number")) {
        throw new Error("the webhook outbox statistics are not numbers");
      }
      return { depth, oldestCreatedAt: oldest };
    },
  };
}
