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
  toAuditEventJson,
} from "./audit/audit-event.js";
export type { AuditLog } from "./audit/audit-log.js";
export type { WebhookDeliverer, WebhookOptions, WebhookOutcome } from "./audit/webhook-deliverer.js";
export {
  type VerifyWebhookOptions,
  verifyWebhookSignature,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TOLERANCE_SECONDS,
} from "./audit/webhook-signature.js";
export {
  type CustomClaimsHook,
  MAX_CUSTOM_CLAIMS_BYTES,
  RESERVED_CLAIM_NAMES,
} from "./claims/custom-claims.js";
export type { Clock } from "./clock.js";
export { createFixedClock, systemClock } from "./clock.js";
export type { GatehouseErrorCode, GatehouseErrorOptions } from "./errors.js";
export { GatehouseError, isGatehouseError, MESSAGES } from "./errors.js";
export type { Gatehouse } from "./gatehouse.js";
export { createGatehouse } from "./gatehouse.js";
export { GRANT_TYPES } from "./grants/grant-dispatch.js";
export { MFA_OTP_GRANT_TYPE } from "./grants/mfa-otp-grant.js";
export { MFA_RECOVERY_CODE_GRANT_TYPE } from "./grants/mfa-recovery-code-grant.js";
export type { TokenRequest, TokenRequestContext, TokenResponse } from "./grants/token-request.js";
export { JWKS_MAX_AGE_SECONDS } from "./keys/key-ring.js";
export type { SigningKeyState, SigningKeyStatus } from "./keys/key-states.js";
export type { PublicJwk, SigningAlgorithm, SigningKey } from "./keys/signing-keys.js";
export { SIGNING_ALGORITHMS } from "./keys/signing-keys.js";
export type { SecondFactorCode } from "./mfa/code-check.js";
export { AMR_OTP, AMR_RECOVERY_CODE } from "./mfa/mfa-login.js";
export { isMfaMode, MFA_ENROLMENT_SCOPE, type MfaMode } from "./mfa/mfa-mode.js";
export type { MfaRequestContext, MfaService, TotpEnrolment } from "./mfa/mfa-service.js";
export { MFA_TOKEN_MAX_FAILURES, MFA_TOKEN_TTL_MS } from "./mfa/mfa-token.js";
export type { GatehouseOptions, ResolvedOptions } from "./options.js";
export { DEFAULT_ISSUER } from "./options.js";
export type { CheckPassword, PasswordCheckContext } from "./passwords/check-password.js";
export type {
  Argon2Parameters,
  PasswordCheck,
  PasswordHasher,
  PasswordHasherOptions,
} from "./passwords/password-hasher.js";
export { createPasswordHasher, OWASP_ARGON2ID } from "./passwords/password-hasher.js";
export type { WorkQueue, WorkQueueOptions } from "./passwords/work-queue.js";
export { type GatehouseVerifierOptions, gatehouseVerifier } from "./principals/gatehouse-verifier.js";
export type { IntrospectionResponse } from "./principals/introspection.js";
export type { Principal, PrincipalRequirements, PrincipalResolver } from "./principals/principal-resolver.js";
export {
  createRemoteVerifier,
  type JwksAlgorithm,
  type JwksFetch,
  type JwksVerifierOptions,
  type RemoteVerifier,
  type RemoteVerifierOptions,
  type SharedSecretVerifierOptions,
} from "./remote/remote-verifier.js";
export type { SessionDirectory, SessionInfo } from "./sessions/session-directory.js";
export type {
  AccountTokenPurpose,
  AccountTokenStore,
  AuditEvents,
  AuditStore,
  ConsumedAccountToken,
  GatehouseStore,
  KeyStore,
  MfaStore,
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
  StoredMfaToken,
  StoredRefreshToken,
  StoredSession,
  StoredSigningKey,
  StoredTotpFactor,
  StoredUser,
  StoreLifecycle,
  TokenSubject,
  TotpConfirmation,
  UserPage,
  UserPatch,
  UserStore,
  WebhookClaim,
  WebhookDelivery,
  WebhookOutboxStore,
} from "./store.js";
export type { AttemptCounter, LoginAttemptStore } from "./throttle/attempt-store.js";
export type { ThrottleOptions } from "./throttle/login-throttle.js";
export type { ThrottleLimits } from "./throttle/throttle-limits.js";
export { DEFAULT_THROTTLE_LIMITS } from "./throttle/throttle-limits.js";
export type { AccessTokenClaims } from "./tokens/access-token.js";
export { ACCESS_TOKEN_TYP, DEFAULT_CLIENT_ID } from "./tokens/access-token.js";
export { extractBearerToken } from "./tokens/bearer.js";
export { DEFAULT_SCOPES, liveScopes, requireScopes } from "./tokens/scopes.js";
export { hasSecondFactor, requireSecondFactor } from "./tokens/second-factor.js";
export {
  authenticateBearer,
  type BearerRequirements,
  type TokenVerifier,
  type VerifiedToken,
} from "./tokens/token-verifier.js";
export type { ChangeOwnPassword, OwnPasswordChange, OwnPasswordContext } from "./users/own-password.js";
export {
  BUILT_IN_USER_FIELDS,
  MAX_PROFILE_BYTES,
  type ProfileFields,
  type ProfileIssue,
  type ProfileSchema,
} from "./users/profile.js";
export type { PublicUser, UserRecord } from "./users/user.js";
export {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  RESERVED_USERNAMES,
  toPublicUser,
  USERNAME_MAX_LENGTH,
  usernameKey,
} from "./users/user.js";
export type { CreateUserInput, UpdateUserInput, UserService } from "./users/user-service.js";
