import { GatehouseError } from "./errors.js";
import { handlePasswordGrant } from "./password-grant.js";
import { handleRefreshGrant } from "./refresh-grant.js";
import type { StoredUser } from "./store.js";
import type { TokenRequest, TokenRequestContext, TokenResponse } from "./token-request.js";

/** What a grant handler may use. */
export interface GrantDependencies {
  knownScopes: ReadonlySet<string>;
  authenticate(username: string, password: string, context: TokenRequestContext): Promise<StoredUser>;
  /** Issues an access token and starts a new refresh-token family (a login). */
  issueTokens(user: StoredUser, scopes: string[], context: TokenRequestContext): Promise<TokenResponse>;
  /** Rotates a refresh token (by hash) and issues tokens narrowed to `scopes` (all of the family's when empty). */
  rotateRefreshToken(tokenHash: string, scopes: string[], context: TokenRequestContext): Promise<TokenResponse>;
}

/** Handles one `grant_type`. */
export type GrantHandler = (
  request: TokenRequest,
  context: TokenRequestContext,
  deps: GrantDependencies,
) => Promise<TokenResponse>;

/** The grant types the token endpoint serves; a new grant is a file plus a line here. */
export function defaultGrantHandlers(): Map<string, GrantHandler> {
  return new Map<string, GrantHandler>([
    ["password", handlePasswordGrant],
    ["refresh_token", handleRefreshGrant],
  ]);
}

/** Dispatches a token request to its grant handler; `password` when `grant_type` is absent, as in the seed. */
export function dispatchGrant(
  handlers: ReadonlyMap<string, GrantHandler>,
  request: TokenRequest,
  context: TokenRequestContext,
  deps: GrantDependencies,
): Promise<TokenResponse> {
  const grantType = request.grant_type === undefined || request.grant_type === "" ? "password" : request.grant_type;
  const handler = handlers.get(grantType);
  if (!handler) {
    return Promise.reject(new GatehouseError("unsupported_grant_type", "The grant type is not supported"));
  }
  return handler(request, context, deps);
}
