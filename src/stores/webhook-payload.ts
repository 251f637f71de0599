import { toAuditEventJson } from "../core/audit/audit-event.js";
import type { AuditEvent } from "../core/store.js";
import { usernameKey } from "../core/users/user.js";

/** The body a webhook delivery of `event` sends: its JSON, as the API lists it. */
export function webhookPayload(event: AuditEvent): string {
  return JSON.stringify(toAuditEventJson(event));
}

/** The key under which one user's deliveries are kept in order; events about no user share "". */
export function deliveryOrderKey(event: AuditEvent): string {
  return event.username === null ? "" : usernameKey(event.username);
}
