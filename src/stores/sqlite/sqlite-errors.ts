import { GatehouseError } from "../../core/errors.js";

/** True when SQLite refused a row because it repeats a UNIQUE or PRIMARY KEY value. */
export function isUniqueViolation(error: unknown): boolean {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/**
 * Turns whatever a driver call threw into a GatehouseError: ours pass through, anything
 * else (busy, I/O, closed connection, corrupt row) is `store_unavailable` with the
 * original as `cause`. The message stays generic; the cause is for logs.
 */
export function toStoreError(error: unknown): GatehouseError {
  if (error instanceof GatehouseError) return error;
  return new GatehouseError("store_unavailable", "the database is unavailable", { cause: error });
}

/** Runs a synchronous driver call, converting its failures with {@link toStoreError}. */
export function guarded<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw toStoreError(error);
  }
}
