import { GatehouseError } from "../errors.js";
import type { GrantHandler } from "./grant-handler.js";

/** The grant type of the login's second step with a recovery code. */
export const MFA_RECOVERY_CODE_GRANT_TYPE = "urn:gatehouse:grant-type:mfa-recovery-code";

/** `mfa_token` plus a single-use `recovery_code` give the session's tokens, `amr` `["pwd","mfa"]`. */
export const handleMfaRecoveryCodeGrant: GrantHandler = async (request, context, deps) => {
  const { mfa_token, recovery_code } = request;
  if (mfa_token === undefined || mfa_token.length === 0) {
    throw new GatehouseError("invalid_request", "The mfa_token parameter is required");
  }
  if (recovery_code === undefined || recovery_code.length === 0) {
    throw new GatehouseError("invalid_request", "The recovery_code parameter is required");
  }
  return deps.completeSecondFactor(mfa_token, { kind: "recovery_code", code: recovery_code }, context);
};
