import type { AuditContext } from "../audit/audit-event.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { Clock } from "../clock.js";
import { GatehouseError, MESSAGES } from "../errors.js";
import type { PasswordHasher } from "../passwords/password-hasher.js";
import type { GatehouseStore, StoredUser, UserPatch } from "../store.js";
import { normalizeUsername, validateEmail, validateNewPassword } from "../users/user.js";
import type { AccountLinks } from "./account-links.js";
import { linkLifetimeMinutes } from "./account-links.js";
import type { AccountMailer } from "./account-mail.js";
import type { BackgroundTasks } from "./background-tasks.js";

/** Reset mails per account per hour. */
export const RESET_MAILS_PER_HOUR = 3;
// One address may be shared by a few accounts (a family); past this many, the rest get no mail.
const MAX_ACCOUNTS_PER_EMAIL = 5;

/** Who forgot their password: a username or an e-mail address. */
export type ForgotPasswordInput = { username: string } | { email: string };

/** Forgot-password and reset. */
export interface PasswordReset {
  /**
   * Schedules the reset mail(s) and returns at once, doing no lookup in the caller's turn: the
   * reply and its timing are the same whether or not the account exists.
   */
  forgot(input: ForgotPasswordInput, context: AuditContext): void;
  /** A reset link for an operator to hand over (no mail, no rate limit); `user_not_found` when unknown. */
  issueLink(username: string, context: AuditContext): Promise<string>;
  /** Sets the new password; every earlier token and session of the user ends, and the link dies. */
  reset(token: string, newPassword: string, clientAddress: string, context: AuditContext): Promise<void>;
}

/** What {@link createPasswordReset} needs. */
export interface PasswordResetOptions {
  store: GatehouseStore;
  clock: Clock;
  audit: AuditLog;
  hasher: PasswordHasher;
  links: AccountLinks;
  mailer: AccountMailer | null;
  background: BackgroundTasks;
}

/** Creates the password reset service. */
export function createPasswordReset(options: PasswordResetOptions): PasswordReset {
  const { store, clock, audit, hasher, links, mailer, background } = options;

  const accountsOf = async (input: ForgotPasswordInput): Promise<StoredUser[]> => {
    if ("username" in input) {
      const name = normalizeOrNull(input.username);
      const user = name === null ? null : await store.findUserByUsername(name);
      return user === null ? [] : [user];
    }
    try {
      validateEmail(input.email);
    } catch {
      return [];
    }
    return store.findUsersByEmail(input.email, MAX_ACCOUNTS_PER_EMAIL);
  };

  const mailLink = async (user: StoredUser, context: AuditContext) => {
    if (mailer === null || user.disabled || user.email === "") return;
    if (!(await store.reserveAccountMail(user.username, "reset", clock.now(), 3_600_000, RESET_MAILS_PER_HOUR))) return;
    const link = await links.issue(
      "reset",
      user,
      audit.event("password.reset_requested", { username: user.username, context }),
    );
    if (link === null) return;
    mailer.send({
      kind: "reset",
      to: user.email,
      username: user.username,
      link,
      expiresInMinutes: linkLifetimeMinutes("reset"),
    });
  };

  return {
    forgot(input, context) {
      background.run(async () => {
        for (const user of await accountsOf(input)) await mailLink(user, context);
      });
    },

    async issueLink(username, context) {
      const name = normalizeOrNull(username);
      const user = name === null ? null : await store.findUserByUsername(name);
      const link =
        user === null
          ? null
          : await links.issue(
              "reset",
              user,
              audit.event("password.reset_requested", { username: user.username, context }),
            );
      if (link === null) throw new GatehouseError("user_not_found", "User not found");
      return link;
    },

    async reset(token, newPassword, clientAddress, context) {
      // A password the policy refuses costs no token: the user may try another with the same link.
      validateNewPassword(newPassword);
      const taken = await links.consume("reset", token, clientAddress);
      const user = await store.findUserByUsername(taken.username);
      if (user === null || user.disabled)
        throw new GatehouseError("invalid_account_token", MESSAGES.invalidAccountToken);
      const now = clock.now();
      const patch: UserPatch = { passwordHash: await hasher.hash(newPassword), tokensValidAfter: now };
      // The link reached the address it was sent to: that proves the address, as a verification link does.
      if (taken.email !== null && taken.email.toLowerCase() === user.email.toLowerCase()) patch.emailVerified = true;
      const updated = await store.updateUser(
        user.username,
        patch,
        now,
        audit.event("password.reset", { username: user.username, context }),
      );
      if (updated === null) throw new GatehouseError("invalid_account_token", MESSAGES.invalidAccountToken);
      await store.revokeUserRefreshFamilies(updated.username, now);
    },
  };
}

function normalizeOrNull(username: string): string | null {
  try {
    return normalizeUsername(username);
  } catch {
    return null;
  }
}
