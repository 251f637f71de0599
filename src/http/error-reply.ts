import type { GatehouseError, GatehouseErrorCode } from "../core/errors.js";

/** A FastAPI-style validation error item. */
export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** An HTTP error reply, framework-neutral: every adapter sends exactly this. */
export interface ErrorReply {
  status: number;
  headers: Record<string, string>;
  body: { detail: string | ValidationIssue[]; error?: string; error_description?: string; mfa_token?: string };
}

/** The `acr_values` a step-up challenge names: an authentication with a second factor. */
export const MFA_ACR = "urn:gatehouse:mfa";

interface CodeMapping {
  status: number;
  /** RFC 6749 §5.2 `error` value when the failure happened at the token endpoint. */
  oauthError?: string;
  /** Fixed `detail`; otherwise the error's own (safe) message. */
  detail?: string;
}

/**
 * The one table that maps core error codes to HTTP. Token-endpoint failures are 400 with
 * RFC 6749 `error`/`error_description` plus the seed's `detail`; resource failures follow
 * RFC 6750 with the seed's messages.
 */
const MAPPINGS: Record<GatehouseErrorCode, CodeMapping> = {
  invalid_request: { status: 400, oauthError: "invalid_request" },
  invalid_client: { status: 401, oauthError: "invalid_client" },
  invalid_grant: { status: 400, oauthError: "invalid_grant" },
  unsupported_grant_type: { status: 400, oauthError: "unsupported_grant_type" },
  invalid_scope: { status: 400, oauthError: "invalid_scope" },
  not_authenticated: { status: 401, detail: "Not authenticated" },
  invalid_token: { status: 401, detail: "Could not validate credentials" },
  insufficient_scope: { status: 403, detail: "Not enough permissions" },
  insufficient_user_authentication: { status: 401, detail: "A second factor is required" },
  inactive_user: { status: 400, detail: "Inactive user" },
  // RFC 8628 §3.5 registered "slow_down" for a client that must back off.
  throttled: { status: 429, oauthError: "slow_down" },
  overloaded: { status: 503, oauthError: "temporarily_unavailable" },
  validation_failed: { status: 422, oauthError: "invalid_request" },
  user_not_found: { status: 404, detail: "User not found" },
  user_exists: { status: 409 },
  last_admin: { status: 409 },
  session_not_found: { status: 404, detail: "Session not found" },
  // Auth0's shape: the password was right, the token endpoint wants the second step.
  mfa_required: { status: 403, oauthError: "mfa_required" },
  mfa_already_enabled: { status: 409, detail: "A second factor is already enabled" },
  mfa_not_enabled: { status: 404, detail: "No second factor is enabled" },
  invalid_account_token: { status: 400, detail: "Invalid or expired token" },
  registration_closed: { status: 404, detail: "Not Found" },
  store_unavailable: { status: 503, oauthError: "temporarily_unavailable", detail: "Service temporarily unavailable" },
  // The app's custom claims hook broke its rules: a bug on the server's side, not the client's.
  invalid_claims: { status: 500, oauthError: "server_error", detail: "Internal Server Error" },
};

/** Every core error code with its status, for documentation. */
export function errorCatalogue(): Array<{ code: GatehouseErrorCode; status: number }> {
  return (Object.keys(MAPPINGS) as GatehouseErrorCode[]).map((code) => ({ code, status: MAPPINGS[code].status }));
}

/**
 * Where an error happened. At the token endpoint replies carry `error`/`error_description`
 * (RFC 6749 §5.2) and validation failures stay 400; at a protected resource the challenge
 * names the scopes the route needs (RFC 6750 §3).
 */
export type ErrorSite = { endpoint: "token" } | { endpoint: "resource"; requiredScopes?: readonly string[] };

/** Replies of protected resources that need no particular scope. */
export const AT_RESOURCE: ErrorSite = { endpoint: "resource" };
/** Replies of the token endpoint (and revocation, introspection). */
export const AT_TOKEN_ENDPOINT: ErrorSite = { endpoint: "token" };

/** Turns a core error into the reply the contract promises. */
export function errorReply(error: GatehouseError, site: ErrorSite): ErrorReply {
  const atTokenEndpoint = site.endpoint === "token";
  const requiredScopes = site.endpoint === "resource" ? (site.requiredScopes ?? []) : [];
  const mapping = MAPPINGS[error.code];
  const headers: Record<string, string> = {};
  const message = mapping.detail ?? error.message;
  let status = mapping.status;
  let detail: ErrorReply["body"]["detail"] = message;

  if (error.code === "not_authenticated") headers["www-authenticate"] = "Bearer";
  if (error.code === "invalid_token" || error.code === "insufficient_scope") {
    headers["www-authenticate"] = bearerChallenge(error.code, requiredScopes);
  }
  if (error.code === "insufficient_user_authentication") {
    // RFC 9470 §3: the client should get a token whose authentication meets `acr_values`.
    headers["www-authenticate"] = `Bearer error="insufficient_user_authentication", acr_values="${MFA_ACR}"`;
  }
  if (error.retryAfterSeconds !== undefined)
    headers["retry-after"] = String(Math.max(1, Math.ceil(error.retryAfterSeconds)));

  if (atTokenEndpoint && mapping.oauthError !== undefined) {
    if (error.code === "validation_failed") status = 400;
    headers["cache-control"] = "no-store";
    const body: ErrorReply["body"] = { error: mapping.oauthError, error_description: message, detail: message };
    if (error.code === "mfa_required" && error.mfaToken !== undefined) body.mfa_token = error.mfaToken;
    return { status, headers, body };
  }
  if (error.code === "validation_failed") {
    detail =
      error.issues !== undefined && error.issues.length > 0
        ? error.issues.map((issue) => ({ loc: ["body", ...issue.path], msg: issue.message, type: "value_error" }))
        : [{ loc: error.field === undefined ? ["body"] : ["body", error.field], msg: message, type: "value_error" }];
  }
  return { status, headers, body: { detail } };
}

/** RFC 6750 §3 challenge; scope tokens cannot contain `"` or `\`, so no escaping is needed. */
function bearerChallenge(code: "invalid_token" | "insufficient_scope", scopes: readonly string[]): string {
  const scope = scopes.length > 0 ? `, scope="${scopes.join(" ")}"` : "";
  return `Bearer error="${code}"${scope}`;
}
