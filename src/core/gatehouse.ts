import { type AccessTokenClaims, createAccessTokenService } from "./access-token.js";
import { systemClock } from "./clock.js";
import { GatehouseError, INCORRECT_CREDENTIALS, INVALID_CREDENTIALS } from "./errors.js";
import { defaultGrantHandlers, dispatchGrant, type GrantDependencies, type GrantHandler } from "./grants.js";
import { type IntrospectionResponse, introspectAccessToken } from "./introspection.js";
import { createKeyManager } from "./key-manager.js";
import { createLoginThrottle } from "./login-throttle.js";
import { type GatehouseOptions, type ResolvedOptions, resolveOptions } from "./options.js";
import { createPasswordHasher, type PasswordHasher } from "./password.js";
import { missingScopes } from "./scopes.js";
import { createSessionService } from "./session-service.js";
import type { PublicJwk } from "./signing-keys.js";
import type { GatehouseStore, StoredUser } from "./store.js";
import { type CachedStore, withSubjectCache } from "./subject-cache.js";
import type { TokenRequest, TokenRequestContext, TokenResponse } from "./token-request.js";
import { normalizeUsername, type PublicUser, toPublicUser } from "./user.js";
import { createUserService, type UserService } from "./user-service.js";

// Expired revocations and refresh tokens are forgotten this often, so storage stays bounded.
const PURGE_INTERVAL_MS = 60_000;

/** Who a valid access token speaks for. */
export interface Principal {
  user: PublicUser;
  claims: AccessTokenClaims;
  /** Scopes the token grants. */
  scopes: string[];
}

/** The framework-agnostic Gatehouse: log in, verify tokens, manage users and keys. */
export interface Gatehouse {
  readonly options: ResolvedOptions;
  readonly store: GatehouseStore;
  readonly hasher: PasswordHasher;
  readonly users: UserService;
  /** What creating this Gatehouse did that an operator should hear of (a new signing key). */
  readonly notices: readonly string[];
  /** Scope names the server knows, with their descriptions. */
  readonly scopes: Readonly<Record<string, string>>;
  /** The seed's `authenticate_user`, in constant time: unknown users cost a hash too. */
  authenticate(username: string, password: string): Promise<StoredUser>;
  /** RFC 6749 token endpoint logic for every registered grant type. */
  handleTokenRequest(request: TokenRequest, context: TokenRequestContext): Promise<TokenResponse>;
  /** The seed's `get_current_user`: any valid token of an existing user (disabled or not). */
  currentUser(token: string, requiredScopes?: readonly string[]): Promise<Principal>;
  /** The seed's `get_current_active_user`: also refuses disabled users with `inactive_user`. */
  currentActiveUser(token: string, requiredScopes?: readonly string[]): Promise<Principal>;
  /** RFC 7009: takes back a refresh token (and its session) or an access token; unknown tokens are ignored. */
  revokeToken(token: string, tokenTypeHint?: string): Promise<void>;
  /** Ends the session of this principal's token: the token and its refresh family stop working. */
  logout(principal: Principal): Promise<void>;
  /** Log out everywhere: every token of the user issued so far stops working. */
  logoutEverywhere(username: string): Promise<void>;
  /** RFC 7662: whether a token is active right now, and its claims if so. */
  introspect(token: string): Promise<IntrospectionResponse>;
  /** The public keys (RFC 7517 JWK Set); empty for HS256. */
  jwks(): { keys: PublicJwk[] };
  rotateKeys(): Promise<string>;
  /** Picks up changes other processes made (key rotation); cheap when nothing changed. */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Creates a Gatehouse over a store.
 * @example
 * const gatehouse = await createGatehouse({ store: await createSqliteStore("./gatehouse.db") });
 * const { access_token } = await gatehouse.handleTokenRequest(
 *   { username: "johndoe", password: "secret" }, { clientAddress: "127.0.0.1" });
 * const me = await gatehouse.currentActiveUser(access_token, ["me"]);
 */
export async function createGatehouse(
  input: GatehouseOptions,
  extraGrants: ReadonlyMap<string, GrantHandler> = new Map(),
): Promise<Gatehouse> {
  const options = resolveOptions(input);
  const clock = input.clock ?? systemClock;
  const cached: CachedStore | null =
    options.subjectCacheTtl > 0
      ? withSubjectCache(input.store, { ttlMs: options.subjectCacheTtl, maxEntries: options.tokenCacheSize, clock })
      : null;
  const store: GatehouseStore = cached ?? input.store;
  const hasher = input.hasher ?? createPasswordHasher({ queue: options.hashQueue });
  // Made in the background: start-up need not wait for it, and the first unknown-user login
  // awaits the same promise.
  hasher.warmUp().catch(() => undefined);
  // Counter stores the options name win; then the store's shared ones (CONTRACT §5); then memory.
  const named = input.throttle || {};
  const throttle =
    options.throttle === false
      ? null
      : createLoginThrottle({
          ...named,
          ...options.throttle,
          failures: named.failures ?? store.loginAttempts?.failures,
          knownLogins: named.knownLogins ?? store.loginAttempts?.knownLogins,
          clock,
        });
  const knownScopes = new Set(Object.keys(options.scopes));
  const keys = await createKeyManager({
    store,
    algorithm: options.algorithm,
    secretKey: options.secretKey,
    retireAfterMs: (options.accessTokenTtl + options.clockSkew) * 1000,
    // The access token service keeps the verified-token cache (keyed by the whole token).
    cacheSize: 0,
    clock,
  });
  const tokens = createAccessTokenService({
    keys: keys.ring,
    issuer: options.issuer,
    ...(options.audience === undefined ? {} : { audience: options.audience }),
    ttlSeconds: options.accessTokenTtl,
    clockSkewSeconds: options.clockSkew,
    clock,
    cacheSize: options.tokenCacheSize,
  });
  const users = createUserService({ store, hasher, clock, knownScopes });
  const sessions = createSessionService({ store, tokens, clock, refreshTokenTtl: options.refreshTokenTtl });
  const grants = new Map([...defaultGrantHandlers(), ...extraGrants]);
  let lastChangeVersion = await store.changeVersion();
  let lastPurge = 0;

  const authenticate = async (username: string, password: string): Promise<StoredUser> => {
    let name: string;
    try {
      name = normalizeUsername(username);
    } catch {
      throw new GatehouseError("invalid_request", "The username is malformed");
    }
    const user = await store.findUserByUsername(name);
    if (!user) {
      // Hash anyway, so an unknown username takes as long as a wrong password.
      await hasher.verifyDummy(password);
      throw new GatehouseError("invalid_grant", INCORRECT_CREDENTIALS);
    }
    const check = await hasher.verify(password, user.passwordHash);
    if (!check.ok) throw new GatehouseError("invalid_grant", INCORRECT_CREDENTIALS);
    if (check.needsRehash) {
      // Imported bcrypt/pbkdf2 hashes (and old argon2 parameters) become current argon2id on login.
      const passwordHash = await hasher.hash(password);
      return (await store.updateUser(user.username, { passwordHash }, clock.now())) ?? user;
    }
    return user;
  };

  const grantDeps: GrantDependencies = {
    knownScopes,
    authenticate: (username, password, context) =>
      throttle === null
        ? authenticate(username, password)
        : throttle.guard(username, context.clientAddress, () => authenticate(username, password)),
    issueTokens: (user, scopes, context) => sessions.startSession(user, scopes, context),
    rotateRefreshToken: (tokenHash, scopes, context) => sessions.rotate(tokenHash, scopes, context),
  };

  /**
   * Verifies the token and loads its user in one store lookup; `stale` when the token was
   * revoked, or issued before the user invalidated tokens (password change, logout-all, re-creation).
   */
  const resolve = async (token: string) => {
    const claims = tokens.verify(token);
    const subject = await store.findTokenSubject(claims.sub, claims.jti ?? null, claims.sid ?? null);
    if (!subject) throw new GatehouseError("invalid_token", INVALID_CREDENTIALS);
    const { user } = subject;
    const stale = subject.revoked || Math.round(claims.iat * 1000) < user.tokensValidAfter;
    return { claims, user, stale };
  };

  const toPrincipal = (user: StoredUser, claims: AccessTokenClaims, required: readonly string[]): Principal => {
    const scopes = claims.scope === "" ? [] : claims.scope.split(" ");
    const missing = missingScopes(required, scopes);
    if (missing.length > 0) {
      throw new GatehouseError("insufficient_scope", "Not enough permissions", { requiredScopes: required });
    }
    return { user: toPublicUser(user), claims, scopes };
  };

  const invalidToken = (required: readonly string[]) =>
    new GatehouseError("invalid_token", INVALID_CREDENTIALS, { requiredScopes: required });

  const notices =
    keys.created === null
      ? []
      : keys.created.newStore
        ? [`Initialised a new database with an ${keys.created.algorithm} signing key (kid ${keys.created.kid})`]
        : [
            `Switched to a new ${keys.created.algorithm} signing key (kid ${keys.created.kid}); older keys verify until their tokens expire`,
          ];

  return {
    notices,
    options,
    store,
    hasher,
    users,
    scopes: options.scopes,
    authenticate,
    handleTokenRequest: (request, context) => dispatchGrant(grants, request, context, grantDeps),

    async currentUser(token, requiredScopes = []) {
      const { claims, user, stale } = await resolveWithScopes(token, requiredScopes);
      if (stale) throw invalidToken(requiredScopes);
      return toPrincipal(user, claims, requiredScopes);
    },

    async currentActiveUser(token, requiredScopes = []) {
      const { claims, user, stale } = await resolveWithScopes(token, requiredScopes);
      // The contract orders this before the issued-before check: a disabled user hears so.
      if (user.disabled) throw new GatehouseError("inactive_user", "Inactive user");
      if (stale) throw invalidToken(requiredScopes);
      return toPrincipal(user, claims, requiredScopes);
    },

    revokeToken: (token, hint) => sessions.revoke(token, hint),
    logout: (principal) => sessions.logout(principal.claims),
    async logoutEverywhere(username) {
      await users.invalidateTokens(username);
    },
    introspect: (token) => introspectAccessToken(token, (candidate) => resolveWithScopes(candidate, [])),

    jwks: () => keys.ring().jwks,
    rotateKeys: () => keys.rotate(),

    async refresh() {
      const now = clock.now();
      if (now - lastPurge >= PURGE_INTERVAL_MS) {
        lastPurge = now;
        await store.purgeExpired(now);
      }
      const version = await store.changeVersion();
      if (version === lastChangeVersion) return;
      lastChangeVersion = version;
      cached?.clearSubjectCache();
      await keys.reload();
    },

    close: () => store.close(),
  };

  async function resolveWithScopes(token: string, required: readonly string[]) {
    try {
      return await resolve(token);
    } catch (error) {
      if (error instanceof GatehouseError && error.code === "invalid_token") throw invalidToken(required);
      throw error;
    }
  }
}
