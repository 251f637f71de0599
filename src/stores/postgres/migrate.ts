import type { Pool } from "pg";
import { GatehouseError } from "../../core/errors.js";
import { LATEST_POSTGRES_SCHEMA_VERSION, POSTGRES_MIGRATIONS } from "./migrations.js";
import { inTransaction, queryFirst } from "./sql-runner.js";
import { quoteIdentifier, type Tables } from "./tables.js";

/**
 * Brings a schema up to date: creates it if missing, then applies every pending step and
 * its `schema_migrations` row in one transaction, so a failed step leaves nothing behind
 * (PostgreSQL's DDL is transactional). Instances starting together queue on an advisory
 * lock: the first applies the steps, the others find nothing left to do. Objects are only
 * created when missing, so a role without CREATE works on a schema its owner migrated.
 * @throws GatehouseError `store_unavailable` when the schema is newer than this code.
 */
export async function migratePostgres(pool: Pool, t: Tables, now: number): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`gatehouse migrate ${t.schema}`]);
    const schema = await queryFirst(
      client,
      { text: "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS present" },
      [t.schema],
    );
    if (schema.present !== true) await client.query(`CREATE SCHEMA ${quoteIdentifier(t.schema)}`);
    const table = await queryFirst(client, { text: "SELECT to_regclass($1) IS NOT NULL AS present" }, [
      t.schemaMigrations,
    ]);
    if (table.present !== true) {
      await client.query(`
        CREATE TABLE ${t.schemaMigrations} (
          version INTEGER PRIMARY KEY,
          name TEXT NOT NULL,
          applied_at BIGINT NOT NULL
        )
      `);
    }
    const { current } = await queryFirst(client, {
      text: `SELECT coalesce(max(version), 0) AS current FROM ${t.schemaMigrations}`,
    });
    if (typeof current !== "number") throw new Error("schema_migrations.version is not a number");
    if (current > LATEST_POSTGRES_SCHEMA_VERSION) {
      throw new GatehouseError(
        "store_unavailable",
        `the database has schema version ${current}, newer than this Gatehouse knows (${LATEST_POSTGRES_SCHEMA_VERSION}); upgrade Gatehouse`,
      );
    }
    for (const migration of POSTGRES_MIGRATIONS) {
      if (migration.version <= current) continue;
      await client.query(migration.sql(t));
      await client.query(`INSERT INTO ${t.schemaMigrations} (version, name, applied_at) VALUES ($1, $2, $3)`, [
        migration.version,
        migration.name,
        now,
      ]);
    }
  });
}
