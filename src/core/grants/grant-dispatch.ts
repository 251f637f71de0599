import { GatehouseError } from "../errors.js";
import type { GrantDependencies, GrantHandler } from "./grant-handler.js";
import { handleMfaOtpGrant, MFA_OTP_GRANT_TYPE } from "./mfa-otp-grant.js";
import { handleMfaRecoveryCodeGrant, MFA_RECOVERY_CODE_GRANT_TYPE } from "./mfa-recovery-code-grant.js";
import { handlePasswordGrant } from "./password-grant.js";
import { handleRefreshGrant } from "./refresh-grant.js";
import type { TokenRequest, TokenRequestContext, TokenResponse } from "./token-request.js";

/**
 * The grant types the token endpoint serves, the one list discovery, the request schema and
 * the metrics read: a new grant is a file plus a line here.
 */
const GRANT_HANDLERS: ReadonlyMap<string, GrantHandler> = new Map<string, GrantHandler>([
  ["password", handlePasswordGrant],
  ["refresh_token", handleRefreshGrant],
  [MFA_OTP_GRANT_TYPE, handleMfaOtpGrant],
  [MFA_RECOVERY_CODE_GRANT_TYPE, handleMfaRecoveryCodeGrant],
]);

/** The `grant_type` values the token endpoint accepts (`password` is also the default). */
export const GRANT_TYPES: readonly string[] = Object.freeze([...GRANT_HANDLERS.keys()]);

/** Dispatches a token request to its grant handler; `password` when `grant_type` is absent, as in the seed. */
export function dispatchGrant(
  request: TokenRequest,
  context: TokenRequestContext,
  deps: GrantDependencies,
): Promise<TokenResponse> {
  const grantType = request.grant_type === undefined || request.grant_type === "" ? "password" : request.grant_type;
  const handler = GRANT_HANDLERS.get(grantType);
  if (!handler) {
    return Promise.reject(new GatehouseError("unsupported_grant_type", "The grant type is not supported"));
  }
  return handler(request, context, deps);
}
