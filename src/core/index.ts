/**
 * Gatehouse core: the OAuth2 password grant with JWT bearer tokens, framework-agnostic.
 * Every export is named here on purpose (no `export *`).
 */

export {
  ACCOUNT_MAIL_KINDS,
  type AccountMail,
  type AccountMailer,
  type AccountMailKind,
  type MailOutcome,
} from "./accounts/account-mail.js";
export type { AccountOptions } from "./accounts/account-options.js";
export type { AccountRequestContext, AccountService, RegisterInput } from "./accounts/account-service.js";
export { ACCOUNT_TOKEN_LIFETIME_MINUTES } from "./accounts/account-token.js";
export { createOperatorResetLink, type OperatorResetLinkOptions } from "./accounts/operator-links.js";
export type { ForgotPasswordInput } from "./accounts/password-reset.js";
export {
  AUDIT_EVENT_TYPES,
  type AuditActor,
  type AuditContext,
  type AuditEvent,
  type AuditEventJson,
  type AuditEventType,
  type AuditPage,
  type AuditQuery,
  isAuditEventType,
  SYSTEM_CONTEXT,
  toAuditEventJson,
} from "./audit/audit-event.js";
export {
  type AuditEventFields,
  type AuditLog,
  type AuditLogOptions,
  createAuditLog,
  MAX_AUDIT_PAGE,
} from "./audit/audit-log.js";
export {
  createWebhookDeliverer,
  type WebhookDeliverer,
  type WebhookDelivererOptions,
  type WebhookOptions,
  type WebhookOutcome,
  webhookRetryDelay,
} from "./audit/webhook-deliverer.js";
export {
  signWebhook,
  type VerifyWebhookOptions,
  verifyWebhookSignature,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TOLERANCE_SECONDS,
} from "./audit/webhook-signature.js";
export type { Clock } from "./clock.js";
export { createFixedClock, systemClock } from "./clock.js";
export type { GatehouseErrorCode, GatehouseErrorOptions } from "./errors.js";
export { GatehouseError, isGatehouseError, MESSAGES } from "./errors.js";
export type { Gatehouse } from "./gatehouse.js";
export { createGatehouse } from "./gatehouse.js";
export { GRANT_TYPES } from "./grants/grant-dispatch.js";
export type { TokenRequest, TokenRequestContext, TokenResponse } from "./grants/token-request.js";
export { JWKS_MAX_AGE_SECONDS } from "./keys/key-ring.js";
export type { SigningKeyState, SigningKeyStatus } from "./keys/key-states.js";
export type { PublicJwk, SigningAlgorithm, SigningKey } from "./keys/signing-keys.js";
export { generateSigningKey, isSigningAlgorithm, SIGNING_ALGORITHMS, toPublicJwk } from "./keys/signing-keys.js";
export type { GatehouseOptions, ResolvedOptions } from "./options.js";
export { checkIssuer, DEFAULT_ISSUER, resolveOptions, resolveScopes } from "./options.js";
export type { CheckPassword, PasswordCheckContext } from "./passwords/check-password.js";
export { HASH_COST_LIMITS } from "./passwords/hash-costs.js";
export type {
  Argon2Parameters,
  PasswordCheck,
  PasswordHasher,
  PasswordHasherOptions,
} from "./passwords/password-hasher.js";
export { createPasswordHasher, OWASP_ARGON2ID } from "./passwords/password-hasher.js";
export type { WorkQueue, WorkQueueOptions } from "./passwords/work-queue.js";
export { createWorkQueue } from "./passwords/work-queue.js";
export { type GatehouseVerifierOptions, gatehouseVerifier } from "./principals/gatehouse-verifier.js";
export type { IntrospectionResponse } from "./principals/introspection.js";
export type { Principal, PrincipalResolver } from "./principals/principal-resolver.js";
export {
  createRemoteVerifier,
  type JwksAlgorithm,
  type JwksFetch,
  type JwksVerifierOptions,
  type RemoteVerifier,
  type RemoteVerifierOptions,
  type SharedSecretVerifierOptions,
} from "./remote/remote-verifier.js";
export {
  createSessionDirectory,
  type SessionDirectory,
  type SessionDirectoryOptions,
  type SessionInfo,
} from "./sessions/session-directory.js";
export type {
  AccountTokenPurpose,
  AccountTokenStore,
  AuditEvents,
  AuditStore,
  ConsumedAccountToken,
  GatehouseStore,
  KeyStore,
  NewAccountToken,
  NewRefreshFamily,
  NewUser,
  RefreshReplacement,
  RefreshRotation,
  RefreshTokenStore,
  RevocationStore,
  RotationEvents,
  RotationResult,
  SecretStore,
  SharedLoginAttempts,
  StoredRefreshToken,
  StoredSession,
  StoredSigningKey,
  StoredUser,
  StoreLifecycle,
  TokenSubject,
  UserPage,
  UserPatch,
  UserStore,
  WebhookClaim,
  WebhookDelivery,
  WebhookOutboxStore,
} from "./store.js";
export type { AttemptCounter, LoginAttemptStore } from "./throttle/attempt-store.js";
export { throttleAddressKey } from "./throttle/client-address.js";
export type { LoginThrottle, ThrottleOptions } from "./throttle/login-throttle.js";
export { createLoginThrottle, userCounterKeys } from "./throttle/login-throttle.js";
export type { MemoryAttemptStore, MemoryAttemptStoreOptions } from "./throttle/memory-attempts.js";
export { createMemoryAttemptStore } from "./throttle/memory-attempts.js";
export type { ThrottleLimits } from "./throttle/throttle-limits.js";
export { DEFAULT_THROTTLE_LIMITS, penaltyMs, resolveThrottleLimits } from "./throttle/throttle-limits.js";
export type {
  AccessTokenClaims,
  AccessTokenRequest,
  AccessTokenService,
  IssuedAccessToken,
} from "./tokens/access-token.js";
export { ACCESS_TOKEN_TYP, createAccessTokenService, DEFAULT_CLIENT_ID } from "./tokens/access-token.js";
export { extractBearerToken, MAX_TOKEN_LENGTH } from "./tokens/bearer.js";
export {
  DEFAULT_SCOPES,
  grantScopes,
  liveScopes,
  missingScopes,
  parseScopeParameter,
  requireScopes,
  splitScopes,
} from "./tokens/scopes.js";
export { authenticateBearer, type TokenVerifier, type VerifiedToken } from "./tokens/token-verifier.js";
export { ADMIN_SCOPE, isEnabledAdmin } from "./users/last-admin.js";
export type { ChangeOwnPassword } from "./users/own-password.js";
export type { PublicUser, UserRecord } from "./users/user.js";
export {
  countCharacters,
  normalizeNewUsername,
  normalizeUsername,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  RESERVED_USERNAMES,
  toPublicUser,
  USERNAME_MAX_LENGTH,
  usernameKey,
  validateEmail,
  validateNewPassword,
} from "./users/user.js";
export {
  checkImportedHash,
  type ImportedHashCheck,
  type ImportedHashScheme,
  type ImportedUserCheck,
  validateImportedUser,
} from "./users/user-import.js";
export type { CreateUserInput, UpdateUserInput, UserService } from "./users/user-service.js";
export { createUserService } from "./users/user-service.js";
