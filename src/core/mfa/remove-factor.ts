import type { AuditContext } from "../audit/audit-event.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { Clock } from "../clock.js";
import { GatehouseError } from "../errors.js";
import type { MfaStore, UserStore } from "../store.js";

/** What {@link removeSecondFactor} needs: no keys, so the CLI can run it without a whole Gatehouse. */
export interface RemoveSecondFactorOptions {
  store: Pick<UserStore, "findUserByUsername"> & Pick<MfaStore, "deleteMfa">;
  clock: Clock;
  audit: AuditLog;
}

/**
 * Removes a user's second factor and recovery codes without any code (an admin or the CLI, for
 * a lost phone), recorded as `mfa.removed` in the same transaction.
 * @returns false when the user had none.
 * @throws GatehouseError `user_not_found`.
 */
export async function removeSecondFactor(
  { store, clock, audit }: RemoveSecondFactorOptions,
  username: string,
  context: AuditContext,
): Promise<boolean> {
  const user = await store.findUserByUsername(username);
  if (user === null) throw new GatehouseError("user_not_found", "User not found");
  return store.deleteMfa(
    user.username,
    clock.now(),
    audit.event("mfa.removed", { username: user.username, context, details: { method: "totp", reset: true } }),
  );
}
