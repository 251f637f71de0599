import type { AuditContext } from "../audit/audit-event.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { Clock } from "../clock.js";
import { GatehouseError, MESSAGES } from "../errors.js";
import type { GatehouseStore } from "../store.js";
import { type UserRecord, withoutPasswordHash } from "../users/user.js";
import type { AccountLinks } from "./account-links.js";
import { linkLifetimeMinutes } from "./account-links.js";
import type { AccountMailer } from "./account-mail.js";

/** Verification mails per user per hour (registration, resend, e-mail changes together). */
export const VERIFICATION_MAILS_PER_HOUR = 3;

/** E-mail verification: send a link, take it back. */
export interface EmailVerification {
  /** Mails the user a verification link for their current e-mail (if mail is on and the hourly limit allows). */
  send(username: string, context: AuditContext): Promise<void>;
  /** Marks the e-mail the token was sent to as verified; `invalid_account_token` if the e-mail changed since. */
  verify(token: string, clientAddress: string, context: AuditContext): Promise<UserRecord>;
}

/** What {@link createEmailVerification} needs. */
export interface EmailVerificationOptions {
  store: GatehouseStore;
  clock: Clock;
  audit: AuditLog;
  links: AccountLinks;
  mailer: AccountMailer | null;
}

/** Creates the e-mail verification service. */
export function createEmailVerification({
  store,
  clock,
  audit,
  links,
  mailer,
}: EmailVerificationOptions): EmailVerification {
  return {
    async send(username, context) {
      if (mailer === null) return;
      const user = await store.findUserByUsername(username);
      if (user === null || user.emailVerified || user.disabled) return;
      if (
        !(await store.reserveAccountMail(user.username, "verify", clock.now(), 3_600_000, VERIFICATION_MAILS_PER_HOUR))
      )
        return;
      const events = audit.event("email.verification_sent", { username: user.username, context });
      const link = await links.issue("verify", user, events);
      if (link === null) return;
      mailer.send({
        kind: "verify",
        to: user.email,
        username: user.username,
        link,
        expiresInMinutes: linkLifetimeMinutes("verify"),
      });
    },

    async verify(token, clientAddress, context) {
      const taken = await links.consume("verify", token, clientAddress);
      const user = await store.findUserByUsername(taken.username);
      // The link verifies the address it was sent to, never one set after it.
      if (user === null || taken.email === null || user.email.toLowerCase() !== taken.email.toLowerCase())
        throw new GatehouseError("invalid_account_token", MESSAGES.invalidAccountToken);
      if (user.emailVerified) return withoutPasswordHash(user);
      const updated = await store.updateUser(
        user.username,
        { emailVerified: true },
        clock.now(),
        audit.event("email.verified", { username: user.username, context }),
      );
      if (updated === null) throw new GatehouseError("invalid_account_token", MESSAGES.invalidAccountToken);
      return withoutPasswordHash(updated);
    },
  };
}
