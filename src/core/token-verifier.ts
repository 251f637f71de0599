import type { AccessTokenClaims } from "./access-token-claims.js";
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
