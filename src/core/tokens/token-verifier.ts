import type { AccessTokenClaims } from "./access-token-claims.js";
import { extractBearerToken } from "./bearer.js";
import { requireSecondFactor } from "./second-factor.js";

/** What a verified bearer token proves: its claims and the scopes it grants. */
export interface VerifiedToken {
  claims: AccessTokenClaims;
  /** Scopes the token grants. */
  scopes: string[];
}

/**
 * Anything that turns a bearer token into a principal, as the framework adapters need it:
 * a remote verifier ({@link createRemoteVerifier}) or a local Gatehouse ({@link gatehouseVerifier}).
 */
export interface TokenVerifier<P extends VerifiedToken = VerifiedToken> {
  /**
   * Verifies `token` and checks it grants every scope in `requiredScopes`.
   * @throws GatehouseError `invalid_token`, `insufficient_scope`, and
   *   whatever else the verifier knows of (`inactive_user`, `store_unavailable`).
   */
  verify(token: string, requiredScopes?: readonly string[]): Promise<P>;
}

/** What a route demands of a token beyond its scopes. */
export interface BearerRequirements {
  /** The login must have passed a second factor (`amr` with `otp` or `mfa`); RFC 9470 step-up otherwise. */
  mfa?: boolean;
}

/**
 * Bearer authentication short of HTTP, for framework adapters: extracts the token from an
 * `Authorization` header value and verifies it. The adapter names `requiredScopes` in the
 * challenge of a refusal (RFC 6750 §3).
 * @throws GatehouseError `not_authenticated`, `invalid_token`, `insufficient_user_authentication`
 *   (with `requirements.mfa`), and whatever the verifier throws.
 * @example
 * const auth = await authenticateBearer(verifier, request.headers.get("authorization"), ["me"]);
 */
export async function authenticateBearer<P extends VerifiedToken>(
  verifier: TokenVerifier<P>,
  authorization: string | null | undefined,
  requiredScopes: readonly string[] = [],
  requirements: BearerRequirements = {},
): Promise<P> {
  const verified = await verifier.verify(extractBearerToken(authorization), requiredScopes);
  if (requirements.mfa === true) requireSecondFactor(verified.claims);
  return verified;
}
