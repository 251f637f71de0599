import type { AuditLog } from "../audit/audit-log.js";
import type { Clock } from "../clock.js";
import { GatehouseError, MESSAGES } from "../errors.js";
import type { AccountTokenPurpose, AuditEvents, ConsumedAccountToken, GatehouseStore, StoredUser } from "../store.js";
import {
  ACCOUNT_TOKEN_LIFETIME_MINUTES,
  generateAccountToken,
  hashAccountToken,
  looksLikeAccountToken,
} from "./account-token.js";
import type { RequestBudget, RequestLimiter } from "./request-limiter.js";

/** Bad one-time tokens one address may present in 15 minutes (they cannot be guessed; this bounds the lookups). */
export const TOKEN_FAILURE_BUDGET: RequestBudget = { name: "t", allowance: 30, windowSeconds: 15 * 60 };

const PATHS: Record<AccountTokenPurpose, string> = {
  verify: "verify-email",
  reset: "reset-password",
  unlock: "unlock",
};

/** Issues one-time links and takes their tokens back, once. */
export interface AccountLinks {
  /**
   * Stores a new token for the user (replacing their older one of the purpose) and returns its
   * link; `null` when the user is gone.
   */
  issue(purpose: AccountTokenPurpose, user: StoredUser, events?: AuditEvents): Promise<string | null>;
  /**
   * The token's record, taken (single use); throws `invalid_account_token` for a bad, used or
   * expired one (counted against the address) and `throttled` past the address's budget.
   */
  consume(purpose: AccountTokenPurpose, token: string, clientAddress: string): Promise<ConsumedAccountToken>;
}

/** What {@link createAccountLinks} needs. */
export interface AccountLinksOptions {
  store: GatehouseStore;
  clock: Clock;
  limiter: RequestLimiter;
  appUrl: string;
  audit: AuditLog;
}

/** Creates the link issuer. */
export function createAccountLinks({ store, clock, limiter, appUrl }: AccountLinksOptions): AccountLinks {
  return {
    async issue(purpose, user, events) {
      const { token, tokenHash } = generateAccountToken();
      const now = clock.now();
      const issued = await store.issueAccountToken(
        {
          purpose,
          username: user.username,
          tokenHash,
          // The address the mail goes to: following the link proves it receives mail.
          email: user.email,
          createdAt: now,
          expiresAt: now + ACCOUNT_TOKEN_LIFETIME_MINUTES[purpose] * 60_000,
        },
        events,
      );
      return issued ? `${appUrl}/${PATHS[purpose]}?token=${token}` : null;
    },

    async consume(purpose, token, clientAddress) {
      await limiter.check(TOKEN_FAILURE_BUDGET, clientAddress);
      const found = looksLikeAccountToken(token)
        ? await store.consumeAccountToken(purpose, hashAccountToken(token), clock.now())
        : null;
      if (found === null) {
        await limiter.fail(TOKEN_FAILURE_BUDGET, clientAddress);
        throw new GatehouseError("invalid_account_token", MESSAGES.invalidAccountToken);
      }
      return found;
    },
  };
}

/** The lifetime of a purpose's link in minutes, for the mail that carries it. */
export function linkLifetimeMinutes(purpose: AccountTokenPurpose): number {
  return ACCOUNT_TOKEN_LIFETIME_MINUTES[purpose];
}
