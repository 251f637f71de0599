import { type Queryable, queryFirst, queryRows, type Statement } from "./sql-runner.js";
import type { Tables } from "./tables.js";

/**
 * The change version of a PostgreSQL store: the sum of `changes.version`, one row per
 * database backend that has written. Every write that changes something adds one to its
 * own backend's row in the same transaction, so
 * - the sum moves exactly when a write commits, and never for a write still in flight
 *   (a sequence would: nextval is not transactional, and a server could read the new
 *   number, reload the old state and then never look again);
 * - no two transactions ever touch the same counter row (a backend runs one transaction
 *   at a time), so writers never queue behind each other or deadlock on it, as they
 *   would on one shared counter row;
 * - reading it is one scan of a table with a row per recent backend.
 * Writes that change nothing (a purge with nothing to purge, retiring no keys) count
 * nothing, so servers that reload on every change do not set each other off forever.
 */
export interface ChangeCounter {
  /** A `WITH` list entry that counts one change when the CTE named `source` yields a row. */
  countAfter(source: string): string;
  /** Counts one change from inside a transaction. */
  count(db: Queryable): Promise<void>;
  read(db: Queryable): Promise<number>;
  /** Folds the rows of backends that have gone into row 0; the sum stays what it was. */
  compact(db: Queryable): Promise<void>;
}

/** Builds the change counter statements for a schema's tables. */
export function createChangeCounter(t: Tables): ChangeCounter {
  const upsert = (when: string) => `
    INSERT INTO ${t.changes} AS counter (backend, version)
    SELECT pg_backend_pid(), 1 ${when}
    ON CONFLICT (backend) DO UPDATE SET version = counter.version + 1`;
  const count: Statement = { name: "gatehouse_count_change", text: upsert("") };
  const read: Statement = {
    name: "gatehouse_change_version",
    text: `SELECT coalesce(sum(version), 0)::bigint AS version FROM ${t.changes}`,
  };
  // A backend id is a process id, unique among live backends; a new backend that gets a
  // gone one's id simply carries on counting in (or after the fold, re-creating) its row.
  const compact: Statement = {
    text: `
      WITH gone AS (
        DELETE FROM ${t.changes}
        WHERE backend <> 0 AND backend NOT IN (SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL)
        RETURNING version
      )
      UPDATE ${t.changes} SET version = version + (SELECT coalesce(sum(version), 0) FROM gone) WHERE backend = 0
    `,
  };

  return {
    countAfter: (source) => `gatehouse_change AS (${upsert(`WHERE EXISTS (SELECT 1 FROM ${source})`)})`,
    async count(db) {
      await queryRows(db, count);
    },
    async read(db) {
      const { version } = await queryFirst(db, read);
      if (typeof version !== "number") throw new Error("the change version is not a number");
      return version;
    },
    async compact(db) {
      await queryRows(db, compact);
    },
  };
}
