import { GatehouseError, MESSAGES } from "../errors.js";
import type { AccessTokenClaims } from "./access-token-claims.js";

/** RFC 8176 methods that show a second factor: a one-time password, or several factors (a recovery code). */
const SECOND_FACTOR_METHODS: readonly string[] = ["otp", "mfa"];

/** True when the token's `amr` shows a second factor. */
export function hasSecondFactor(claims: Pick<AccessTokenClaims, "amr">): boolean {
  return claims.amr?.some((method) => SECOND_FACTOR_METHODS.includes(method)) ?? false;
}

/**
 * The one step-up check (RFC 9470): throws `insufficient_user_authentication` unless the
 * token's login passed a second factor. Verification-side only, so resource servers use it too.
 */
export function requireSecondFactor(claims: Pick<AccessTokenClaims, "amr">): void {
  if (!hasSecondFactor(claims)) {
    throw new GatehouseError("insufficient_user_authentication", MESSAGES.secondFactorRequired);
  }
}
