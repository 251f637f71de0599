import { GatehouseError } from "../errors.js";
import { looksLikeRefreshToken } from "../sessions/refresh-token.js";
import { parseScopeParameter } from "../tokens/scopes.js";
import type { GrantHandler } from "./grant-handler.js";

const INVALID_REFRESH = "The refresh token is invalid, expired or revoked";

/**
 * RFC 6749 §6: exchanges a refresh token for a new access token and a new refresh token
 * (rotation). Presented again within the reuse interval it gets the same successor (two tabs
 * refreshing at once); later, it revokes its whole family (OAuth 2.0 Security BCP §4.14.2):
 * whoever holds the other copy loses it too.
 */
export const handleRefreshGrant: GrantHandler = async (request, context, deps) => {
  const presented = request.refresh_token;
  if (presented === undefined || presented.length === 0) {
    throw new GatehouseError("invalid_request", "The refresh_token parameter is required");
  }
  if (!looksLikeRefreshToken(presented)) throw new GatehouseError("invalid_grant", INVALID_REFRESH);
  const requested = parseScopeParameter(request.scope);
  return deps.rotateRefreshToken(presented, requested, context);
};
