import { GatehouseError, MESSAGES } from "../errors.js";
import { grantScopes, parseScopeParameter } from "../tokens/scopes.js";
import type { GrantHandler } from "./grant-handler.js";

/**
 * RFC 6749 §4.3: the resource owner password credentials grant. Checks the credentials in
 * constant time (see `authenticate`), refuses disabled users, and narrows scopes to those
 * the user holds.
 */
export const handlePasswordGrant: GrantHandler = async (request, context, deps) => {
  const { username, password } = request;
  if (username === undefined || username.length === 0) {
    throw new GatehouseError("invalid_request", "The username parameter is required");
  }
  if (password === undefined || password.length === 0) {
    throw new GatehouseError("invalid_request", "The password parameter is required");
  }
  // Unknown or malformed scopes are refused before any password work: the list is public.
  const requested = parseScopeParameter(request.scope);
  for (const name of requested) {
    if (!deps.knownScopes.has(name)) throw new GatehouseError("invalid_scope", `Unknown scope: ${name}`);
  }
  const user = await deps.authenticate(username, password, context);
  if (user.disabled) {
    await deps.recordLoginFailure(user.username, "inactive", context);
    throw new GatehouseError("invalid_grant", MESSAGES.inactiveUser);
  }
  if (deps.requireVerifiedEmail === true && !user.emailVerified) {
    await deps.recordLoginFailure(user.username, "unverified", context);
    throw new GatehouseError("invalid_grant", MESSAGES.emailNotVerified);
  }
  const scopes = grantScopes(requested, user.scopes, deps.knownScopes);
  return deps.continuePasswordLogin(user, scopes, context);
};
