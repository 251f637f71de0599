import { GatehouseError } from "../core/errors.js";
import type { NewUser } from "../core/store.js";

/**
 * Most users one `createUsers` call may create. Its transaction holds SQLite's write lock
 * throughout, so a bounded batch keeps a server's own writes (a login's re-hash, a refresh
 * rotation) well inside their busy timeout while an import runs.
 */
export const MAX_USER_BATCH = 1000;

/**
 * Checks the size of a batch before any of it is written.
 * @throws GatehouseError `validation_failed` for more than {@link MAX_USER_BATCH} users.
 */
export function checkUserBatch(users: readonly NewUser[]): void {
  if (users.length > MAX_USER_BATCH) {
    throw new GatehouseError("validation_failed", `at most ${MAX_USER_BATCH} users can be created at once`);
  }
}
