import { GatehouseError } from "../../core/errors.js";

/** The SQLSTATE of a PostgreSQL error (`"23505"`), or undefined for anything else. */
export function sqlState(error: unknown): string | undefined {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** True when PostgreSQL refused a row because it repeats a UNIQUE or PRIMARY KEY value. */
export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === "23505";
}

/** True for a deadlock or serialization failure: the transaction was rolled back and may simply run again. */
export function isRetryable(error: unknown): boolean {
  const state = sqlState(error);
  return state === "40P01" || state === "40001";
}

/**
 * Turns whatever the driver threw into a GatehouseError: ours pass through, a URL the
 * driver cannot parse is `validation_failed`, anything else (refused connection, failed
 * login, timeout, lost connection, corrupt row) is `store_unavailable` with the original
 * as `cause`. Messages never repeat the URL, which may hold a password.
 */
export function toStoreError(error: unknown): GatehouseError {
  if (error instanceof GatehouseError) return error;
  if (error instanceof TypeError && (error as { code?: unknown }).code === "ERR_INVALID_URL") {
    return new GatehouseError("validation_failed", "the PostgreSQL URL is malformed");
  }
  return new GatehouseError("store_unavailable", "the database is unavailable", { cause: error });
}

/** Runs a driver call, converting its failures with {@link toStoreError}. */
export async function guarded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toStoreError(error);
  }
}
