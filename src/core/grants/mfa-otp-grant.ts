import { GatehouseError } from "../errors.js";
import type { GrantHandler } from "./grant-handler.js";

/** The grant type of the login's second step with a TOTP code (Auth0's shape, our URN). */
export const MFA_OTP_GRANT_TYPE = "urn:gatehouse:grant-type:mfa-otp";

/** `mfa_token` (from the password grant's `mfa_required`) plus `otp` give the session's tokens, `amr` `["pwd","otp"]`. */
export const handleMfaOtpGrant: GrantHandler = async (request, context, deps) => {
  const { mfa_token, otp } = request;
  if (mfa_token === undefined || mfa_token.length === 0) {
    throw new GatehouseError("invalid_request", "The mfa_token parameter is required");
  }
  if (otp === undefined || otp.length === 0)
    throw new GatehouseError("invalid_request", "The otp parameter is required");
  return deps.completeSecondFactor(mfa_token, { kind: "otp", code: otp }, context);
};
