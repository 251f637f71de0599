/**
 * The closed set of failure codes the core can raise. RFC 6749 §5.2 and RFC 6750 §3.1
 * codes keep their spelling; the rest are Gatehouse's own. The HTTP layer maps each code
 * to a status, a `detail` and a challenge in exactly one place (`http/error-reply.ts`).
 */
export type GatehouseErrorCode =
  // RFC 6749 §5.2 (token endpoint)
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unsupported_grant_type"
  | "invalid_scope"
  // RFC 6750 §3.1 (protected resources)
  | "not_authenticated"
  | "invalid_token"
  | "insufficient_scope"
  // RFC 9470 §3 (step-up: the token's authentication is not strong enough)
  | "insufficient_user_authentication"
  // Gatehouse
  | "inactive_user"
  | "throttled"
  | "overloaded"
  | "validation_failed"
  | "user_not_found"
  | "user_exists"
  | "last_admin"
  | "session_not_found"
  | "mfa_required"
  | "mfa_already_enabled"
  | "mfa_not_enabled"
  | "invalid_account_token"
  | "registration_closed"
  | "store_unavailable"
  | "invalid_claims";

/** Options for a {@link GatehouseError}. */
export interface GatehouseErrorOptions {
  /** Seconds a client should wait before trying again (throttled, overloaded). */
  retryAfterSeconds?: number;
  /** The input field at fault, for validation errors (`["body", field]` on the wire). */
  field?: string;
  /** The opaque token of the second login step, for `mfa_required` only: the one secret an error may carry. */
  mfaToken?: string;
  /** Every problem of a validation error with several (profile fields), each at its path. */
  issues?: ReadonlyArray<{ path: ReadonlyArray<string | number>; message: string }>;
  cause?: unknown;
}

/**
 * The one error class of the core: a stable `code` plus a description that is safe to
 * show to a client (never a password, token, secret, hash, or whether a username exists).
 */
export class GatehouseError extends Error {
  readonly code: GatehouseErrorCode;
  readonly retryAfterSeconds: number | undefined;
  readonly field: string | undefined;
  readonly mfaToken: string | undefined;
  readonly issues: GatehouseErrorOptions["issues"];

  constructor(code: GatehouseErrorCode, description: string, options: GatehouseErrorOptions = {}) {
    super(description, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "GatehouseError";
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.field = options.field;
    this.mfaToken = options.mfaToken;
    this.issues = options.issues;
  }
}

/** True when `value` is a {@link GatehouseError}, optionally with the given code. */
export function isGatehouseError(value: unknown, code?: GatehouseErrorCode): value is GatehouseError {
  return value instanceof GatehouseError && (code === undefined || value.code === code);
}

/**
 * Client-facing messages used in more than one place, word for word as the seed's FastAPI
 * app sends them where it has them.
 */
export const MESSAGES = {
  /** Every wrong-username and wrong-password login. */
  wrongUsernameOrPassword: "Incorrect username or password",
  /** Any access token that fails verification, is revoked, or was invalidated. */
  invalidToken: "Could not validate credentials",
  /** A disabled user's login, refresh, or request. */
  inactiveUser: "Inactive user",
  /** A valid token that lacks a scope the resource needs. */
  notEnoughPermissions: "Not enough permissions",
  /** A route that needs a second factor, called with a token whose `amr` has none. */
  secondFactorRequired: "A second factor is required",
  /** A correct password of a user whose e-mail must be verified first. */
  emailNotVerified:
    "E-mail address not verified: follow the link in the verification mail (a password reset link verifies it too)",
  /** Every bad, used or expired verification, reset or unlock token. */
  invalidAccountToken: "Invalid or expired token",
} as const;
