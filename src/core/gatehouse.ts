import { resolveAccountOptions } from "./accounts/account-options.js";
import { type AccountService, createAccountService } from "./accounts/account-service.js";
import type { AuditContext } from "./audit/audit-event.js";
import { type AuditLog, createAuditLog } from "./audit/audit-log.js";
import { createWebhookDeliverer, type WebhookDeliverer } from "./audit/webhook-deliverer.js";
import { customClaimsFor } from "./claims/custom-claims.js";
import { systemClock } from "./clock.js";
import { dispatchGrant } from "./grants/grant-dispatch.js";
import type { GrantDependencies } from "./grants/grant-handler.js";
import { createPasswordLogin } from "./grants/password-login.js";
import { createSecondProof } from "./grants/second-proof.js";
import type { TokenRequest, TokenRequestContext, TokenResponse } from "./grants/token-request.js";
import { type CreatedKey, createKeyManager } from "./keys/key-manager.js";
import type { SigningKeyStatus } from "./keys/key-states.js";
import type { PublicJwk, SigningAlgorithm } from "./keys/signing-keys.js";
import { createCodeCheck } from "./mfa/code-check.js";
import { deriveMfaKeys, generateMfaRootSecret, MFA_ROOT_SECRET_NAME } from "./mfa/mfa-keys.js";
import { createMfaLogin } from "./mfa/mfa-login.js";
import { createMfaService, type MfaService } from "./mfa/mfa-service.js";
import { type GatehouseOptions, type ResolvedOptions, resolveOptions } from "./options.js";
import { createAuthenticate, createCheckCredentials } from "./passwords/authenticate.js";
import { type CheckPassword, createCheckPassword } from "./passwords/check-password.js";
import { createPasswordHasher, type PasswordHasher } from "./passwords/password-hasher.js";
import { createPrincipalResolver, type Principal, type PrincipalResolver } from "./principals/principal-resolver.js";
import { type CachedStore, withSubjectCache } from "./principals/subject-cache.js";
import { generateSuccessorKey, SUCCESSOR_KEY_NAME } from "./sessions/refresh-token.js";
import { createSessionDirectory, type SessionDirectory } from "./sessions/session-directory.js";
import { createSessionService } from "./sessions/session-service.js";
import type { GatehouseStore, StoredUser } from "./store.js";
import { createLoginThrottle } from "./throttle/login-throttle.js";
import { createMemoryAttemptStore } from "./throttle/memory-attempts.js";
import { createAccessTokenService } from "./tokens/access-token.js";
import { createUpkeep } from "./upkeep.js";
import { type ChangeOwnPassword, createChangeOwnPassword } from "./users/own-password.js";
import { createProfileFields, type ProfileFields } from "./users/profile.js";
import { type UserRecord, withoutPasswordHash } from "./users/user.js";
import { createUserService, type UserService } from "./users/user-service.js";

/** The framework-agnostic Gatehouse: log in, verify tokens, manage users and keys. */
export interface Gatehouse extends PrincipalResolver {
  readonly options: ResolvedOptions;
  readonly store: GatehouseStore;
  readonly hasher: PasswordHasher;
  readonly users: UserService;
  /** Each user's login sessions: list them, end one. */
  readonly sessions: SessionDirectory;
  /** The audit log: what happened, to whom, by whom (read it with `list`). */
  readonly audit: AuditLog;
  /** Second factors: TOTP enrolment, recovery codes, removal. */
  readonly mfa: MfaService;
  /** Registration, e-mail verification, password reset and unlock links. */
  readonly accounts: AccountService;
  /** The webhook deliverer when `webhook` is configured; null otherwise. */
  readonly webhooks: WebhookDeliverer | null;
  /** What creating this Gatehouse did that an operator should hear of (a new signing key). */
  readonly notices: readonly string[];
  /** Scope names the server knows, with their descriptions. */
  readonly scopes: Readonly<Record<string, string>>;
  /** The profile fields users have (from the `profile` option), or null for none. */
  readonly profileFields: ProfileFields | null;
  /**
   * The seed's `authenticate_user`, in constant time: unknown users cost a hash too. Not
   * throttled: a route of your own that checks passwords should use {@link Gatehouse.checkPassword}.
   */
  authenticate(username: string, password: string): Promise<UserRecord>;
  /** {@link Gatehouse.authenticate} behind the login throttle (per account and per address), as `/token` uses it. */
  checkPassword(...args: Parameters<CheckPassword>): Promise<UserRecord>;
  /** Changes a user's own password after checking the current one through the login throttle. */
  changeOwnPassword: ChangeOwnPassword;
  /** RFC 6749 token endpoint logic for every grant type of `GRANT_TYPES`. */
  handleTokenRequest(request: TokenRequest, context: TokenRequestContext): Promise<TokenResponse>;
  /**
   * RFC 7009: takes back a refresh token (and its session) or an access token; unknown tokens
   * are ignored. `context` says who asked, for the audit log.
   */
  revokeToken(token: string, tokenTypeHint?: string, context?: AuditContext): Promise<void>;
  /** Ends the session of this principal's token: the token and its refresh family stop working. */
  logout(principal: Principal, context?: AuditContext): Promise<void>;
  /** Log out everywhere: every token of the user issued so far stops working. */
  logoutEverywhere(username: string, context?: AuditContext): Promise<void>;
  /** The public keys (RFC 7517 JWK Set); empty for HS256. */
  jwks(): { keys: PublicJwk[] };
  /**
   * Publishes a new signing key (of `algorithm`, default the configured or current one) and
   * returns its kid. It signs once resource servers' JWKS caches have had time to fetch it
   * (`jwksMaxAge`); until then the current key signs. Older keys verify until their tokens expire.
   */
  rotateKeys(algorithm?: SigningAlgorithm, context?: AuditContext): Promise<string>;
  /** Every signing key with its state (next, current, retiring) and times, newest first. */
  listKeys(): Promise<SigningKeyStatus[]>;
  /**
   * Picks up what other processes changed in the store (key rotation) and purges expired rows;
   * cheap when nothing changed. Runs on its own every `syncInterval` ms; call it to run now.
   */
  syncWithStore(): Promise<void>;
  /** Stops upkeep and closes the store. */
  close(): Promise<void>;
}

/**
 * Creates a Gatehouse over a store: the composition root, wiring each concern's service.
 * @example
 * const gatehouse = await createGatehouse({ store: await sqliteStore("./gatehouse.db") });
 * const { access_token } = await gatehouse.handleTokenRequest(
 *   { username: "johndoe", password: "secret" }, { clientAddress: "127.0.0.1" });
 * const me = await gatehouse.currentActiveUser(access_token, ["me"]);
 */
export async function createGatehouse(input: GatehouseOptions): Promise<Gatehouse> {
  const options = resolveOptions(input);
  const profileFields = input.profile === undefined ? null : createProfileFields(input.profile);
  const accountSettings = resolveAccountOptions(input.accounts, options.issuer);
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
  const throttle =
    options.throttle === false
      ? null
      : createLoginThrottle({ ...input.throttle, ...options.throttle, shared: store.loginAttempts, clock });
  const knownScopes = new Set(Object.keys(options.scopes));
  const audit = createAuditLog({ store, clock, enabled: options.audit });
  // Before anything is recorded, so every event of this Gatehouse is queued (the first key's too).
  if (options.webhook !== null) await store.setWebhookDelivery(true);
  const keys = await createKeyManager({
    store,
    algorithm: options.algorithm,
    secretKey: options.secretKey,
    retireAfterMs: (options.accessTokenTtl + options.clockSkew) * 1000,
    publishAheadMs: options.jwksMaxAge * 1000,
    clock,
    audit,
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
  const users = createUserService({ store, hasher, clock, knownScopes, audit, profile: profileFields });
  const sessionLimits = { refreshTokenTtl: options.refreshTokenTtl, sessionMaxAge: options.sessionMaxAge };
  const sessions = createSessionService({
    store,
    tokens,
    clock,
    ...sessionLimits,
    reuseIntervalMs: options.refreshReuseInterval * 1000,
    successorKey: await store.ensureSecret(SUCCESSOR_KEY_NAME, generateSuccessorKey(), clock.now()),
    audit,
    ...customClaimsOption(input, options),
  });
  const sessionDirectory = createSessionDirectory({ store, clock, sessionMaxAge: options.sessionMaxAge, audit });
  const principals = createPrincipalResolver({ tokens, store });
  const authenticate = createAuthenticate({ store, hasher, clock });
  const checkPassword = createCheckPassword({ authenticate, throttle });
  const changeOwnPassword = createChangeOwnPassword({
    checkPassword,
    users,
    store,
    startSession: (user, scopes, context, amr) => sessions.startSession(user, scopes, context, amr),
  });
  const accounts = createAccountService({
    settings: accountSettings,
    store,
    clock,
    audit,
    hasher,
    users,
    throttle,
    counters:
      input.throttle === false
        ? null
        : (input.throttle?.failures ?? store.loginAttempts?.failures ?? createMemoryAttemptStore()),
    startSession: (user, scopes, context) => sessions.startSession(user, scopes, context),
  });
  // The token endpoint's password check: the same throttle, and every failure in the audit log.
  const passwordLogin = createPasswordLogin({
    checkCredentials: createCheckCredentials({ store, hasher, clock }),
    throttle,
    audit,
    // A user with a second factor has logged in from an address only once the code is right.
    completesLogin: (user) => options.mfa === "off" || user.mfaEnabled !== true,
    // Under attack, a new address gets through with the second factor, else by an unlock link.
    secondProof: createSecondProof({
      hasSecondFactor: (user) => options.mfa !== "off" && user.mfaEnabled === true,
      refuseWithUnlockLink: accounts.unlockLinks.refuseWithUnlockLink,
    }),
    onUnderAttack: accounts.unlockLinks.noticeUnderAttack,
  });
  const webhooks: WebhookDeliverer | null =
    options.webhook === null || !options.deliverWebhooks
      ? null
      : createWebhookDeliverer({
          ...options.webhook,
          store,
          clock,
          onError: input.onWebhookError ?? input.onSyncError ?? (() => undefined),
        });
  const upkeep = await createUpkeep({
    store,
    keys,
    cached,
    clock,
    intervalMs: options.syncInterval,
    purge: options.purgeExpiredRows,
    auditRetentionMs: options.auditRetention * 1000,
    onError: input.onSyncError ?? (() => undefined),
  });

  // Second factors: keys derived from a root secret kept with the database (docs/MFA.md).
  const mfaKeys = deriveMfaKeys(await store.ensureSecret(MFA_ROOT_SECRET_NAME, generateMfaRootSecret(), clock.now()));
  const codeCheck = createCodeCheck({ store, keys: mfaKeys, clock, throttle });
  const mfa = createMfaService({
    store,
    clock,
    audit,
    keys: mfaKeys,
    codes: codeCheck,
    checkPassword,
    issuer: options.mfaIssuer,
  });
  const mfaLogin = createMfaLogin({
    store,
    clock,
    audit,
    mode: options.mfa,
    codes: codeCheck,
    tokens,
    startSession: (user, scopes, context, amr) => sessions.startSession(user, scopes, context, amr),
  });

  const grantDeps: GrantDependencies = {
    knownScopes,
    requireVerifiedEmail: accountSettings.requireVerifiedEmail,
    authenticate: passwordLogin.authenticate,
    recordLoginFailure: passwordLogin.recordFailure,
    issueTokens: (user, scopes, context) => sessions.startSession(user, scopes, context),
    continuePasswordLogin: mfaLogin.continuePasswordLogin,
    completeSecondFactor: mfaLogin.completeSecondFactor,
    rotateRefreshToken: (refreshToken, scopes, context) => sessions.rotate(refreshToken, scopes, context),
  };

  return {
    notices: keyNotices(keys.created),
    options,
    store,
    hasher,
    users,
    sessions: sessionDirectory,
    audit,
    mfa,
    accounts,
    webhooks,
    scopes: options.scopes,
    profileFields,
    // What leaves the core carries no password hash.
    authenticate: async (username, password) => withoutPasswordHash(await authenticate(username, password)),
    checkPassword: async (...args) => withoutPasswordHash(await checkPassword(...args)),
    changeOwnPassword,
    handleTokenRequest: (request, context) => dispatchGrant(request, context, grantDeps),
    currentUser: principals.currentUser,
    currentActiveUser: principals.currentActiveUser,
    introspect: principals.introspect,
    // Whoever holds a token acts for its user when they give it back.
    revokeToken: (token, hint, context = SELF_CONTEXT) => sessions.revoke(token, hint, context),
    logout: (principal, context = SELF_CONTEXT) => sessions.logout(principal.claims, context),
    async logoutEverywhere(username, context) {
      await users.invalidateTokens(username, context);
    },
    jwks: () => keys.ring().jwks,
    rotateKeys: async (algorithm, context) => (await keys.rotate(algorithm, context)).kid,
    listKeys: () => keys.list(),
    syncWithStore: upkeep.syncWithStore,
    async close() {
      await accounts.idle();
      await webhooks?.stop();
      await upkeep.stop();
      await store.close();
    },
  };
}

const SELF_CONTEXT: AuditContext = { actor: "self" };

/** The session service's view of the custom claims hook: the user without its hash, the output checked. */
function customClaimsOption(input: GatehouseOptions, options: ResolvedOptions) {
  const hook = input.claims;
  if (hook === undefined) return {};
  const allowed = options.claimNames === null ? null : new Set(options.claimNames);
  return { customClaims: (user: StoredUser) => customClaimsFor(hook, withoutPasswordHash(user), allowed) };
}

function keyNotices(created: CreatedKey | null): string[] {
  if (created === null) return [];
  if (created.newStore) {
    return [`Initialised a new database with an ${created.algorithm} signing key (kid ${created.kid})`];
  }
  return [
    `Published a new ${created.algorithm} signing key (kid ${created.kid}); it signs from ` +
      `${new Date(created.signsFrom).toISOString()}, once resource servers' JWKS caches can have it; ` +
      "older keys verify until their tokens expire",
  ];
}
