import type { TokenVerifier } from "../tokens/token-verifier.js";
import type { Principal, PrincipalResolver } from "./principal-resolver.js";

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
  gatehouse: Pick<PrincipalResolver, "currentUser" | "currentActiveUser">,
  options: GatehouseVerifierOptions = {},
): TokenVerifier<Principal> {
  if (options.allowInactive === true) return { verify: (token, scopes) => gatehouse.currentUser(token, scopes) };
  return { verify: (token, scopes) => gatehouse.currentActiveUser(token, scopes) };
}
