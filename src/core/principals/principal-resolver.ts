import { GatehouseError, MESSAGES } from "../errors.js";
import { sessionStartedAt } from "../sessions/session-id.js";
import type { GatehouseStore, StoredUser } from "../store.js";
import type { AccessTokenClaims, AccessTokenService } from "../tokens/access-token.js";
import { liveScopes, requireScopes } from "../tokens/scopes.js";
import { type PublicUser, toPublicUser } from "../users/user.js";
import { type IntrospectionResponse, introspectAccessToken } from "./introspection.js";

/** Who a valid access token speaks for. */
export interface Principal {
  user: PublicUser;
  claims: AccessTokenClaims;
  /** Scopes the request may use: those of the token that the user holds now (`claims.scope` is the token's own). */
  scopes: string[];
}

/** Turns access tokens into principals: the seed's `get_current_user` and `get_current_active_user`. */
export interface PrincipalResolver {
  /** Any valid token of an existing user (disabled or not). */
  currentUser(token: string, requiredScopes?: readonly string[]): Promise<Principal>;
  /** Also refuses disabled users with `inactive_user`. */
  currentActiveUser(token: string, requiredScopes?: readonly string[]): Promise<Principal>;
  /** RFC 7662: whether a token is active right now, and its claims if so. */
  introspect(token: string): Promise<IntrospectionResponse>;
}

/** What {@link createPrincipalResolver} needs. */
export interface PrincipalResolverOptions {
  tokens: AccessTokenService;
  /** `findTokenSubject` is the one store lookup per request. */
  store: Pick<GatehouseStore, "findTokenSubject">;
}

/** A verified token with its user; `stale` when it was revoked or issued before the user invalidated tokens. */
interface ResolvedToken {
  claims: AccessTokenClaims;
  user: StoredUser;
  stale: boolean;
}

/** Creates the resolver over a token service and a store. */
export function createPrincipalResolver({ tokens, store }: PrincipalResolverOptions): PrincipalResolver {
  /** Verifies the token and loads its user in one lookup; any failure is `invalid_token`. */
  const resolve = async (token: string): Promise<ResolvedToken> => {
    let claims: AccessTokenClaims;
    try {
      claims = tokens.verify(token);
    } catch (error) {
      if (error instanceof GatehouseError && error.code === "invalid_token") throw tokenRefused();
      throw error;
    }
    const subject = await store.findTokenSubject(claims.sub, claims.jti ?? null, claims.sid ?? null);
    if (!subject) throw tokenRefused();
    const { user } = subject;
    // Revoked, or issued before a password change, logout-all or re-creation of the user.
    const stale = subject.revoked || issuedNoEarlierThan(claims) < user.tokensValidAfter;
    return { claims, user, stale };
  };

  const toPrincipal = ({ user, claims }: ResolvedToken, required: readonly string[]): Principal => {
    const scopes = liveScopes(claims.scope, user.scopes);
    requireScopes(required, scopes);
    return { user: toPublicUser(user), claims, scopes };
  };

  return {
    async currentUser(token, requiredScopes = []) {
      const resolved = await resolve(token);
      if (resolved.stale) throw tokenRefused();
      return toPrincipal(resolved, requiredScopes);
    },

    async currentActiveUser(token, requiredScopes = []) {
      const resolved = await resolve(token);
      // A disabled user hears so before the revoked-or-invalidated check.
      if (resolved.user.disabled) throw new GatehouseError("inactive_user", MESSAGES.inactiveUser);
      if (resolved.stale) throw tokenRefused();
      return toPrincipal(resolved, requiredScopes);
    },

    introspect: (token) => introspectAccessToken(token, resolve),
  };
}

/**
 * The earliest moment, in milliseconds, the token can have been issued. `iat` is whole seconds,
 * so alone it would put a token made just after a password change before it, in the same
 * second. The session id holds the login's millisecond: a session begun after the change is
 * wholly after it, and one begun before it can issue no token after it (its refresh tokens
 * are refused from then on, and the change revokes it).
 */
function issuedNoEarlierThan(claims: AccessTokenClaims): number {
  const iat = claims.iat * 1000;
  const started = claims.sid === undefined ? null : sessionStartedAt(claims.sid);
  return started === null ? iat : Math.max(iat, started);
}

function tokenRefused(): GatehouseError {
  return new GatehouseError("invalid_token", MESSAGES.invalidToken);
}
