import type { AuditLog } from "../audit/audit-log.js";
import { GatehouseError, isGatehouseError, MESSAGES } from "../errors.js";
import type { CheckCredentials } from "../passwords/authenticate.js";
import type { StoredUser } from "../store.js";
import type { LoginThrottle } from "../throttle/login-throttle.js";
import type { SecondProof } from "./second-proof.js";
import { type TokenRequestContext, tokenRequestAuditContext } from "./token-request.js";

/** Why a password login failed, as `login.failed` records it. */
export type LoginFailureReason = "credentials" | "inactive" | "throttled" | "mfa" | "unverified";

/** The password check of the token endpoint: throttled, and every failure recorded. */
export interface PasswordLogin {
  /** The user, or `invalid_grant` / `invalid_request` / `throttled` as before, each recorded. */
  authenticate(username: string, password: string, context: TokenRequestContext): Promise<StoredUser>;
  /** Records a failure found after the password check (a disabled user). */
  recordFailure(username: string, reason: LoginFailureReason, context: TokenRequestContext): Promise<void>;
}

/** What {@link createPasswordLogin} needs. */
export interface PasswordLoginOptions {
  checkCredentials: CheckCredentials;
  throttle: LoginThrottle | null;
  audit: AuditLog;
  /**
   * Whether a correct password completes this user's login (no second factor follows); only then
   * does the address count as one the user logged in from. Default: always.
   */
  completesLogin?: (user: StoredUser) => boolean;
  /**
   * Past the per-username limit at a new address, what a correct password leads to; absent,
   * such an attempt is refused without a password check.
   */
  secondProof?: SecondProof;
  /** Told, without waiting, that a username's limit met a new address (to tell the owner). */
  onUnderAttack?: (username: string) => void;
}

/**
 * Wraps the credential check with the throttle and the audit log. A failure is recorded with
 * one insert after the password work, the same for an unknown username (`known: false`) as for
 * a wrong password, so neither the reply nor its timing tells them apart.
 */
export function createPasswordLogin({
  checkCredentials,
  throttle,
  audit,
  completesLogin,
  secondProof,
  onUnderAttack,
}: PasswordLoginOptions): PasswordLogin {
  const recordFailure = (
    username: string,
    reason: LoginFailureReason,
    context: TokenRequestContext,
    extra: Record<string, unknown> = {},
  ) =>
    audit.record(
      audit.event("login.failed", {
        username,
        context: tokenRequestAuditContext(context),
        details: { reason, ...extra, client_id: context.clientId ?? null },
      }),
    );

  return {
    async authenticate(username, password, context) {
      const check = async () => {
        let result: Awaited<ReturnType<CheckCredentials>>;
        try {
          result = await checkCredentials(username, password);
        } catch (error) {
          // A username that could never exist is an unknown one.
          if (isGatehouseError(error, "invalid_request"))
            await recordFailure(username, "credentials", context, { known: false });
          throw error;
        }
        if (result.ok) return result.user;
        await recordFailure(username, "credentials", context, { known: result.known });
        throw new GatehouseError("invalid_grant", MESSAGES.wrongUsernameOrPassword);
      };
      if (throttle === null) return check();
      try {
        const underAttack =
          secondProof === undefined
            ? undefined
            : {
                noticed: () => onUnderAttack?.(username),
                passed: (user: StoredUser, retryAfterSeconds: number) => secondProof(user, context, retryAfterSeconds),
              };
        return await throttle.guard(username, context.clientAddress, check, {
          ...(completesLogin === undefined ? {} : { completesLogin }),
          ...(underAttack === undefined ? {} : { underAttack }),
        });
      } catch (error) {
        if (isGatehouseError(error, "throttled")) await recordFailure(username, "throttled", context);
        throw error;
      }
    },
    recordFailure: (username, reason, context) => recordFailure(username, reason, context),
  };
}
