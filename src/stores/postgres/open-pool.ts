import { Pool, TypeOverrides, types } from "pg";
import { GatehouseError } from "../../core/errors.js";

/** Options for {@link postgresStore}. */
export interface PostgresStoreOptions {
  /** The schema that holds Gatehouse's tables, created if missing. Default `gatehouse`. */
  schema?: string;
  /** Most connections the pool opens. Default 10. */
  maxConnections?: number;
  /**
   * How long an operation waits for a connection (opening one, or a free one in a busy
   * pool) before failing with `store_unavailable`, in ms. Default 5000.
   */
  connectTimeoutMs?: number;
}

const DEFAULT_MAX_CONNECTIONS = 10;
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/**
 * Creates the connection pool of a PostgreSQL store. Nothing connects until the first query.
 * @throws GatehouseError `validation_failed` for a pool size or timeout that is not a positive number.
 */
export function openPool(url: string, options: PostgresStoreOptions): Pool {
  const max = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const timeout = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!Number.isSafeInteger(max) || max < 1) {
    throw new GatehouseError("validation_failed", "maxConnections must be a positive integer");
  }
  if (!Number.isFinite(timeout) || timeout <= 0) {
    throw new GatehouseError("validation_failed", "connectTimeoutMs must be a positive number of milliseconds");
  }
  const pool = new Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: timeout,
    keepAlive: true,
    // A hung server (a partition with no reset) fails a request after this long, instead of
    // holding it until TCP gives up; every query here is an indexed lookup or a small write.
    query_timeout: 10_000,
    // The URL's own application_name, if any, wins: it is parsed after these settings.
    application_name: "gatehouse",
    types: rowTypes(),
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
function rowTypes(): TypeOverrides {
  const overrides = new TypeOverrides();
  overrides.setTypeParser(types.builtins.INT8, (text: string) => {
    const value = Number(text);
    return Number.isSafeInteger(value) ? value : text;
  });
  return overrides;
}
