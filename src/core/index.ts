/**
 * Gatehouse core: the OAuth2 password grant with JWT bearer tokens, framework-agnostic.
 * Every export is named here on purpose (no `export *`).
 */

export type { AccessTokenClaims, AccessTokenRequest, AccessTokenService, IssuedAccessToken } from "./access-token.js";
export { ACCESS_TOKEN_TYP, createAccessTokenService } from "./access-token.js";
export { extractBearerToken, MAX_TOKEN_LENGTH } from "./bearer.js";
export { throttleAddressKey } from "./client-address.js";
export type { Clock } from "./clock.js";
export { createFixedClock, systemClock } from "./clock.js";
export type { GatehouseErrorCode, GatehouseErrorOptions } from "./errors.js";
export { GatehouseError, INCORRECT_CREDENTIALS, INVALID_CREDENTIALS, isGatehouseError } from "./errors.js";
export type { Gatehouse, Principal } from "./gatehouse.js";
export { createGatehouse } from "./gatehouse.js";
export type { GrantDependencies, GrantHandler } from "./grants.js";
export { defaultGrantHandlers, dispatchGrant } from "./grants.js";
export type { AttemptCounter, LoginAttemptStore, LoginThrottle, ThrottleOptions } from "./login-throttle.js";
export { createLoginThrottle } from "./login-throttle.js";
export type { MemoryAttemptStore, MemoryAttemptStoreOptions } from "./memory-attempts.js";
export { createMemoryAttemptStore } from "./memory-attempts.js";
export type { GatehouseOptions, ResolvedOptions } from "./options.js";
export { resolveOptions } from "./options.js";
export type { Argon2Parameters, PasswordCheck, PasswordHasher, PasswordHasherOptions } from "./password.js";
export { createPasswordHasher, OWASP_ARGON2ID } from "./password.js";
export {
  createRemoteVerifier,
  type JwksAlgorithm,
  type JwksFetch,
  type JwksVerifierOptions,
  type RemoteVerifier,
  type RemoteVerifierOptions,
  type SharedSecretVerifierOptions,
} from "./remote-verifier.js";
export { DEFAULT_SCOPES, grantScopes, missingScopes, parseScopeParameter } from "./scopes.js";
export type { PublicJwk, SigningAlgorithm, SigningKey } from "./signing-keys.js";
export { generateSigningKey, isSigningAlgorithm, SIGNING_ALGORITHMS, toPublicJwk } from "./signing-keys.js";
export type {
  GatehouseStore,
  KeyStore,
  NewUser,
  SharedLoginAttempts,
  StoredSigningKey,
  StoredUser,
  StoreLifecycle,
  UserPage,
  UserPatch,
  UserStore,
} from "./store.js";
export type { ThrottleLimits } from "./throttle-limits.js";
export { DEFAULT_THROTTLE_LIMITS, penaltyMs, resolveThrottleLimits } from "./throttle-limits.js";
export type { TokenRequest, TokenRequestContext, TokenResponse } from "./token-request.js";
export {
  authenticateBearer,
  type GatehouseVerifierOptions,
  gatehouseVerifier,
  type TokenVerifier,
  type VerifiedToken,
} from "./token-verifier.js";
export type { PublicUser } from "./user.js";
export {
  countCharacters,
  normalizeUsername,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  toPublicUser,
  USERNAME_MAX_LENGTH,
  usernameKey,
  validateEmail,
  validateNewPassword,
} from "./user.js";
export {
  checkImportedHash,
  type ImportedHashCheck,
  type ImportedHashScheme,
  type ImportedUserCheck,
  validateImportedUser,
} from "./user-import.js";
export type { CreateUserInput, UpdateUserInput, UserService } from "./user-service.js";
export { createUserService } from "./user-service.js";
export type { WorkQueue, WorkQueueOptions } from "./work-queue.js";
export { createWorkQueue } from "./work-queue.js";
