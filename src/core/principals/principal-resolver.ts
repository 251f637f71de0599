import { GatehouseError, MESSAGES } from "../errors.js";
import { MFA_ENROLMENT_SCOPE } from "../mfa/mfa-mode.js";
import { sessionStartedAt } from "../sessions/session-id.js";
import type { GatehouseStore, StoredUser } from "../store.js";
import type { AccessTokenClaims, AccessTokenService } from "../tokens/access-token.js";
import { liveScopes, requireScopes, splitScopes } from "../tokens/scopes.js";
import { requireSecondFactor } from "../tokens/second-factor.js";
import { type PublicUser, toPublicUser } from "../users/user.js";
import { type IntrospectionResponse, introspectAccessToken } from "./introspection.js";

/**
 * Who a valid access token speaks for. `user` and `claims` are frozen: requests with the same
 * token (and the same user, within the subject cache's half second) share them.
 */
export interface Principal {
  user: PublicUser;
  claims: AccessTokenClaims;
  /** Scopes the request may use: those of the token that the user holds now (`claims.scope` is the token's own). */
  scopes: string[];
}

/** What a route demands of a token beyond its scopes. */
export interface PrincipalRequirements {
  /** The login passed a second factor (`amr`); `insufficient_user_authentication` otherwise. */
  mfa?: boolean;
  /**
   * Also accept the enrolment-only token of a user who must enrol a second factor (its scope
   * stands in for the required ones). Every other route refuses that token with `insufficient_scope`.
   */
  enrolment?: boolean;
}

/** Turns access tokens into principals: the seed's `get_current_user` and `get_current_active_user`. */
export interface PrincipalResolver {
  /** Any valid token of an existing user (disabled or not). */
  currentUser(
    token: string,
    requiredScopes?: readonly string[],
    requirements?: PrincipalRequirements,
  ): Promise<Principal>;
  /** Also refuses disabled users with `inactive_user`. */
  currentActiveUser(
    token: string,
    requiredScopes?: readonly string[],
    requirements?: PrincipalRequirements,
  ): Promise<Principal>;
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
  // A cached token verifies to the same frozen claims, and a cached subject is the same user
  // object, request after request: what is derived from them alone is derived once.
  const derived = new WeakMap<AccessTokenClaims, { scopes: readonly string[]; issuedAt: number }>();
  const derive = (claims: AccessTokenClaims) => {
    let known = derived.get(claims);
    if (known === undefined) {
      known = { scopes: Object.freeze(splitScopes(claims.scope)), issuedAt: issuedNoEarlierThan(claims) };
      derived.set(claims, known);
    }
    return known;
  };
  const publicUsers = new WeakMap<StoredUser, PublicUser>();
  const publicUserOf = (user: StoredUser) => {
    let known = publicUsers.get(user);
    if (known === undefined) {
      known = Object.freeze(toPublicUser(user));
      publicUsers.set(user, known);
    }
    return known;
  };

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
    const stale = subject.revoked || derive(claims).issuedAt < user.tokensValidAfter;
    return { claims, user, stale };
  };

  const toPrincipal = (
    { user, claims }: ResolvedToken,
    required: readonly string[],
    requirements: PrincipalRequirements,
  ): Principal => {
    const tokenScopes = derive(claims).scopes;
    // The enrolment token's scope is no scope a user holds: it opens the enrolment routes alone.
    if (tokenScopes.includes(MFA_ENROLMENT_SCOPE)) {
      if (requirements.enrolment !== true) {
        throw new GatehouseError("insufficient_scope", MESSAGES.notEnoughPermissions);
      }
      return { user: publicUserOf(user), claims, scopes: [MFA_ENROLMENT_SCOPE] };
    }
    const scopes = liveScopes(tokenScopes, user.scopes);
    requireScopes(required, scopes);
    if (requirements.mfa === true) requireSecondFactor(claims);
    return { user: publicUserOf(user), claims, scopes };
  };

  return {
    async currentUser(token, requiredScopes = [], requirements = {}) {
      const resolved = await resolve(token);
      if (resolved.stale) throw tokenRefused();
      return toPrincipal(resolved, requiredScopes, requirements);
    },

    async currentActiveUser(token, requiredScopes = [], requirements = {}) {
      const resolved = await resolve(token);
      // A disabled user hears so before the revoked-or-invalidated check.
      if (resolved.user.disabled) throw new GatehouseError("inactive_user", MESSAGES.inactiveUser);
      if (resolved.stale) throw tokenRefused();
      return toPrincipal(resolved, requiredScopes, requirements);
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
