import type { AccessTokenClaims } from "./access-token-claims.js";
import { extractBearerToken } from "./bearer.js";
import { GatehouseError, isGatehouseError } from "./errors.js";
import type { Gatehouse, Principal } from "./gatehouse.js";

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
   * @throws GatehouseError `invalid_token` (with `requiredScopes`), `insufficient_scope`, and
   *   whatever else the verifier knows of (`inactive_user`, `store_unavailable`).
   */
  verify(token: string, requiredScopes?: readonly string[]): Promise<P>;
}

/** Options for {@link gatehouseVerifier}. */
export interface GatehouseVerifierOptions {
  /** Accept tokens of disabled users too (the seed's `get_current_user`); default false. */
  allowInactive?: boolean;
}

/**
 * Adapts a Gatehouse in this process to {@link TokenVerifier}: full checks, including
 * revocation, password changes and disabled users (`currentActiveUser` by default).
 * @example
 * app.get("/users/me", requireBearer(gatehouseVerifier(gatehouse), { scopes: ["me"] }), handler);
 */
export function gatehouseVerifier(
  gatehouse: Pick<Gatehouse, "currentUser" | "currentActiveUser">,
  options: GatehouseVerifierOptions = {},
): TokenVerifier<Principal> {
  if (options.allowInactive === true) return { verify: (token, scopes) => gatehouse.currentUser(token, scopes) };
  return { verify: (token, scopes) => gatehouse.currentActiveUser(token, scopes) };
}

/**
 * Bearer authentication short of HTTP, for framework adapters: extracts the token from an
 * `Authorization` header value and verifies it. An `invalid_token` failure always names the
 * required scopes, also when the extractor (which knows none) refused a malformed credential,
 * so every challenge carries them (RFC 6750 §3).
 * @throws GatehouseError `not_authenticated`, `invalid_token`, and whatever the verifier throws.
 * @example
 * const auth = await authenticateBearer(verifier, request.headers.get("authorization"), ["me"]);
 */
export async function authenticateBearer<P extends VerifiedToken>(
  verifier: TokenVerifier<P>,
  authorization: string | null | undefined,
  requiredScopes: readonly string[] = [],
): Promise<P> {
  try {
    return await verifier.verify(extractBearerToken(authorization), requiredScopes);
  } catch (error) {
    if (!isGatehouseError(error, "invalid_token") || error.requiredScopes.length > 0 || requiredScopes.length === 0) {
      throw error;
    }
    throw new GatehouseError("invalid_token", error.message, { requiredScopes, cause: error });
  }
}
