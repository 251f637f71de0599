import type { Pool, PoolClient } from "pg";
import { isRetryable } from "./postgres-errors.js";

/** A pool (one statement, autocommit) or a client inside a transaction. */
export type Queryable = Pool | PoolClient;

/** A result row before the row guards of `sql/rows.ts` have narrowed it. */
export type Row = Record<string, unknown>;

/**
 * SQL text, optionally named: a named statement is parsed and planned once per connection
 * and then only bound and executed, which is what the per-request lookups want.
 */
export interface Statement {
  readonly name?: string;
  readonly text: string;
}

// A deadlock or serialization failure rolls the whole transaction back, so running it
// again is safe; twice more is plenty for the rare collisions Gatehouse's lock order leaves.
const MAX_ATTEMPTS = 3;

/** Runs one statement and returns its rows. */
export async function queryRows(db: Queryable, statement: Statement, values: readonly unknown[] = []): Promise<Row[]> {
  const result = await db.query<Row>({
    ...(statement.name === undefined ? {} : { name: statement.name }),
    text: statement.text,
    values: [...values],
  });
  return result.rows;
}

/** Runs a statement that always yields a row (a count, a sum) and returns that row. */
export async function queryFirst(db: Queryable, statement: Statement, values: readonly unknown[] = []): Promise<Row> {
  const [first] = await queryRows(db, statement, values);
  if (first === undefined) throw new Error("a statement that always returns a row returned none");
  return first;
}

/**
 * Runs a one-statement write on the pool (autocommit, so atomic) and returns its first
 * row; after a deadlock, which rolled it back, runs it again.
 */
export async function writeFirst(pool: Pool, statement: Statement, values: readonly unknown[] = []): Promise<Row> {
  return retrying(() => queryFirst(pool, statement, values));
}

/**
 * Runs `work` in a READ COMMITTED transaction on one pooled connection: COMMIT when it
 * resolves, ROLLBACK when it throws, and the whole of it again after a deadlock. A
 * connection whose ROLLBACK fails is destroyed rather than returned to the pool.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  return retrying(async () => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      broken = await client.query("ROLLBACK").then(
        () => undefined,
        (rollbackError: unknown) => (rollbackError instanceof Error ? rollbackError : new Error("ROLLBACK failed")),
      );
      throw error;
    } finally {
      client.release(broken);
    }
  });
}

async function retrying<T>(attempt: () => Promise<T>): Promise<T> {
  for (let round = 1; ; round++) {
    try {
      return await attempt();
    } catch (error) {
      if (round >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
    }
  }
}
