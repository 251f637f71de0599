import type { Pool, TypeOverrides } from "pg";
import { GatehouseError } from "../../core/errors.js";
import { loadDriver } from "../load-driver.js";
import type { PostgresStoreOptions } from "./postgres-options.js";

/** The `pg` module, loaded on first use: it is an optional peer dependency. */
type PgDriver = typeof import("pg");

const PG = { name: "pg", neededBy: "the PostgreSQL store (gatehouse/postgres)" };
const DEFAULT_MAX_CONNECTIONS = 10;
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/**
 * Creates the connection pool of a PostgreSQL store. Nothing connects until the first query.
 * @throws GatehouseError `validation_failed` for a pool size or timeout that is not a positive number;
 * `store_unavailable` naming `npm install pg` when the driver is not installed.
 */
export async function openPool(url: string, options: PostgresStoreOptions): Promise<Pool> {
  const max = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const timeout = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!Number.isSafeInteger(max) || max < 1) {
    throw new GatehouseError("validation_failed", "maxConnections must be a positive integer");
  }
  if (!Number.isFinite(timeout) || timeout <= 0) {
    throw new GatehouseError("validation_failed", "connectTimeoutMs must be a positive number of milliseconds");
  }
  const pg = await loadDriver(() => import("pg"), PG);
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: timeout,
    keepAlive: true,
    // A hung server (a partition with no reset) fails a request after this long, instead of
    // holding it until TCP gives up; every query here is an indexed lookup or a small write.
    query_timeout: 10_000,
    // The URL's own application_name, if any, wins: it is parsed after these settings.
    application_name: "gatehouse",
    types: rowTypes(pg),
  });
  // An idle connection that dies (server restart, failover) is reported here. Unheard, the
  // event would crash the process; the pool has already dropped that connection, and the
  // next query opens a new one or fails with store_unavailable.
  pool.on("error", () => undefined);
  return pool;
}

/**
 * BIGINT (the millisecond instants) as a JavaScript number, for this pool only: the
 * driver's default is a string, and changing it globally would change it for every other
 * user of `pg` in the process. A value past 2^53 stays a string, which the row guards refuse.
 */
function rowTypes(pg: PgDriver): TypeOverrides {
  const overrides = new pg.TypeOverrides();
  overrides.setTypeParser(pg.types.builtins.INT8, (text: string) => {
    const value = Number(text);
    return Number.isSafeInteger(value) ? value : text;
  });
  return overrides;
}
