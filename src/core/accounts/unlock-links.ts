import type { AuditLog } from "../audit/audit-log.js";
import type { Clock } from "../clock.js";
import { GatehouseError, MESSAGES } from "../errors.js";
import { type TokenRequestContext, type TokenResponse, tokenRequestAuditContext } from "../grants/token-request.js";
import type { GatehouseStore, StoredUser } from "../store.js";
import type { LoginThrottle } from "../throttle/login-throttle.js";
import type { AccountLinks } from "./account-links.js";
import { linkLifetimeMinutes } from "./account-links.js";
import type { AccountMailer } from "./account-mail.js";
import type { BackgroundTasks } from "./background-tasks.js";

/** At most one unlock mail per user in this many milliseconds (15 minutes). */
export const UNLOCK_MAIL_INTERVAL_MS = 15 * 60_000;
/** At most one "your account is under attack" mail per user in this many milliseconds (a day). */
export const UNDER_ATTACK_MAIL_INTERVAL_MS = 24 * 3600_000;
// Users noticed recently are not looked up again for a while: a flood of refused logins must
// not become a flood of database reads. Bounded, so the flood cannot grow it either.
const NOTICE_MEMO_MS = 60_000;
const NOTICE_MEMO_SIZE = 10_000;

const LOCKED = "Too many failed login attempts for this account; try again later";
const LINK_SENT =
  "Too many failed login attempts for this account from other addresses; an unlock link has been sent to its e-mail address";

/** Unlock links: the owner's way in from a new address while their username is under attack. */
export interface UnlockLinks {
  /** Refuses a correct password at a new address (`throttled`), mailing an unlock link when the user has a verified e-mail. */
  refuseWithUnlockLink(user: StoredUser, context: TokenRequestContext, retryAfterSeconds: number): Promise<never>;
  /** Tells the owner by mail, at most once a day, that their account is under attack. Returns at once. */
  noticeUnderAttack(username: string): void;
  /** Takes an unlock token: a new session for its owner, from an address now known. */
  unlock(token: string, context: TokenRequestContext): Promise<TokenResponse>;
}

/** What {@link createUnlockLinks} needs. */
export interface UnlockLinksOptions {
  store: GatehouseStore;
  clock: Clock;
  audit: AuditLog;
  links: AccountLinks;
  mailer: AccountMailer | null;
  background: BackgroundTasks;
  throttle: LoginThrottle | null;
  startSession(user: StoredUser, scopes: readonly string[], context: TokenRequestContext): Promise<TokenResponse>;
}

/** Creates the unlock link service. */
export function createUnlockLinks(options: UnlockLinksOptions): UnlockLinks {
  const { store, clock, audit, links, mailer, background, throttle } = options;
  const noticed = new Map<string, number>();
  const canMail = (user: StoredUser) => mailer !== null && user.emailVerified && !user.disabled;

  return {
    async refuseWithUnlockLink(user, _context, retryAfterSeconds) {
      if (!canMail(user)) throw new GatehouseError("throttled", LOCKED, { retryAfterSeconds });
      const now = clock.now();
      if (await store.reserveAccountMail(user.username, "unlock", now, UNLOCK_MAIL_INTERVAL_MS, 1)) {
        const link = await links.issue("unlock", user);
        if (link !== null)
          mailer?.send({
            kind: "unlock",
            to: user.email,
            username: user.username,
            link,
            expiresInMinutes: linkLifetimeMinutes("unlock"),
          });
      }
      // Within 15 minutes of the last one, that link still works: the reply says the same.
      throw new GatehouseError("throttled", LINK_SENT, { retryAfterSeconds });
    },

    noticeUnderAttack(username) {
      if (mailer === null) return;
      const now = clock.now();
      const key = username.toLowerCase();
      if ((noticed.get(key) ?? 0) > now) return;
      if (noticed.size >= NOTICE_MEMO_SIZE) noticed.clear();
      noticed.set(key, now + NOTICE_MEMO_MS);
      background.run(async () => {
        const user = await store.findUserByUsername(username);
        if (user === null || !canMail(user)) return;
        if (!(await store.reserveAccountMail(user.username, "under_attack", now, UNDER_ATTACK_MAIL_INTERVAL_MS, 1)))
          return;
        await audit.record(audit.event("account.under_attack", { username: user.username }));
        mailer.send({
          kind: "under_attack",
          to: user.email,
          username: user.username,
          link: null,
          expiresInMinutes: null,
        });
      });
    },

    async unlock(token, context) {
      const taken = await options.links.consume("unlock", token, context.clientAddress);
      const user = await store.findUserByUsername(taken.username);
      if (user === null) throw new GatehouseError("invalid_account_token", MESSAGES.invalidAccountToken);
      if (user.disabled) throw new GatehouseError("invalid_grant", MESSAGES.inactiveUser);
      // The link proves the password (it was mailed only after one) and the mailbox: this address is the owner's.
      await throttle?.rememberLogin(user.username, context.clientAddress);
      await audit.record(
        audit.event("account.unlocked", { username: user.username, context: tokenRequestAuditContext(context) }),
      );
      return options.startSession(user, user.scopes, context);
    },
  };
}
