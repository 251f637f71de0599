import type { AuditContext } from "../audit/audit-event.js";
import { createAuditLog } from "../audit/audit-log.js";
import { type Clock, systemClock } from "../clock.js";
import { GatehouseError } from "../errors.js";
import type { GatehouseStore } from "../store.js";
import { createMemoryAttemptStore } from "../throttle/memory-attempts.js";
import { normalizeUsername } from "../users/user.js";
import { createAccountLinks } from "./account-links.js";
import { createRequestLimiter } from "./request-limiter.js";

/** Options for {@link createOperatorResetLink}. */
export interface OperatorResetLinkOptions {
  store: GatehouseStore;
  /** Base of the link, as the server's `GATEHOUSE_APP_URL`. */
  appUrl: string;
  /** Record `password.reset_requested`; default true. */
  audit?: boolean;
  clock?: Clock;
}

/**
 * A one-time password reset link for an operator to hand over (`gatehouse users reset-link`):
 * the same link a mail carries, valid 30 minutes, replacing the user's older one; no mail.
 * @throws GatehouseError `user_not_found`, or `inactive_user` for a disabled user (a reset would refuse them).
 */
export async function createOperatorResetLink(
  options: OperatorResetLinkOptions,
  username: string,
  context: AuditContext,
): Promise<string> {
  const clock = options.clock ?? systemClock;
  const audit = createAuditLog({ store: options.store, clock, enabled: options.audit ?? true });
  let user = null;
  try {
    user = await options.store.findUserByUsername(normalizeUsername(username));
  } catch (error) {
    if (!(error instanceof GatehouseError) || error.code !== "validation_failed") throw error;
  }
  if (user === null) throw new GatehouseError("user_not_found", "User not found");
  if (user.disabled) throw new GatehouseError("inactive_user", "Inactive user");
  const links = createAccountLinks({
    store: options.store,
    clock,
    // Issuing is not throttled; the limiter only guards consumption, which this never does.
    limiter: createRequestLimiter(createMemoryAttemptStore(), clock),
    appUrl: options.appUrl.replace(/\/+$/, ""),
    audit,
  });
  const link = await links.issue(
    "reset",
    user,
    audit.event("password.reset_requested", { username: user.username, context, details: { via: "operator" } }),
  );
  if (link === null) throw new GatehouseError("user_not_found", "User not found");
  return link;
}
