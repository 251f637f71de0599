import type { Pool } from "pg";
import { GatehouseError } from "../../core/errors.js";
import type { AuditEvents, StoredSigningKey } from "../../core/store.js";
import { KEY_COLUMNS, readKeyRow } from "../sql/rows.js";
import type { AuditQueries } from "./audit-queries.js";
import type { ChangeCounter } from "./change-counter.js";
import { isUniqueViolation } from "./postgres-errors.js";
import { inTransaction, queryRows, type Statement, writeFirst } from "./sql-runner.js";
import type { Tables } from "./tables.js";

/** The signing key operations of the PostgreSQL store; driver errors escape as they are. */
export interface KeyQueries {
  list(): Promise<StoredSigningKey[]>;
  add(key: StoredSigningKey, now: number, events?: AuditEvents): Promise<void>;
  deleteSupersededBefore(before: number): Promise<number>;
}

/** Builds the signing key statements for a schema's tables. */
export function createKeyQueries(pool: Pool, t: Tables, changes: ChangeCounter, audit: AuditQueries): KeyQueries {
  const list: Statement = {
    name: "gatehouse_list_keys",
    text: `SELECT ${KEY_COLUMNS} FROM ${t.signingKeys} ORDER BY created_at, kid`,
  };
  const deleteBefore: Statement = {
    name: "gatehouse_delete_old_keys",
    text: `
      WITH deleted AS (
        DELETE FROM ${t.signingKeys} WHERE superseded_at IS NOT NULL AND superseded_at < $1 RETURNING 1
      ), ${changes.countAfter("deleted")}
      SELECT count(*) AS deleted FROM deleted
    `,
  };

  return {
    list: async () => (await queryRows(pool, list)).map(readKeyRow),

    async add(key, now, events) {
      try {
        await inTransaction(pool, async (client) => {
          // Two rotations at once (two CLIs, or two servers creating the first key) must
          // not both find the same key current and leave two current keys: the table lock
          // queues them, and each statement after it sees the previous rotation's key.
          // Readers are not blocked.
          await client.query(`LOCK TABLE ${t.signingKeys} IN SHARE ROW EXCLUSIVE MODE`);
          await client.query(`UPDATE ${t.signingKeys} SET superseded_at = $1 WHERE superseded_at IS NULL`, [now]);
          await client.query(
            `INSERT INTO ${t.signingKeys} (kid, algorithm, private_key, public_key, created_at, superseded_at)
             VALUES ($1, $2, $3, $4, $5, $6)`,
            [key.kid, key.algorithm, key.privateKey, key.publicKey, key.createdAt, key.supersededAt],
          );
          await changes.count(client);
          await audit.insert(client, events);
        });
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new GatehouseError("validation_failed", "a signing key with this kid already exists");
        }
        throw error;
      }
    },

    async deleteSupersededBefore(before) {
      const { deleted } = await writeFirst(pool, deleteBefore, [before]);
      if (typeof deleted !== "number") throw new Error("the count of deleted keys is not a number");
      return deleted;
    },
  };
}
