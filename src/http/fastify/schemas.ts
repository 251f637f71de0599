/**
 * JSON Schemas of the HTTP API, written as plain objects: Fastify compiles them for
 * validation and serialisation, @fastify/swagger publishes them. (A schema-builder library
 * cost hundreds of milliseconds of start-up here for a dozen schemas.)
 */

import { AUDIT_EVENT_TYPES, GRANT_TYPES } from "../../core/index.js";

/** The name of the OAuth2 security scheme in the OpenAPI document (as FastAPI names it). */
export const SECURITY_SCHEME = "OAuth2PasswordBearer";

const string = { type: "string" } as const;

/** The user as clients see it: the seed's pydantic model without `hashed_password`. */
export const PublicUserSchema = {
  type: "object",
  properties: {
    username: string,
    email: string,
    email_verified: { type: "boolean" },
    full_name: string,
    disabled: { type: "boolean" },
    scopes: { type: "array", items: string },
    mfa_enabled: { type: "boolean" },
  },
  required: ["username", "email", "email_verified", "full_name", "disabled", "scopes", "mfa_enabled"],
  additionalProperties: false,
} as const;

/** RFC 6749 §5.1 successful token response. */
export const TokenResponseSchema = {
  type: "object",
  properties: {
    access_token: string,
    token_type: { type: "string", const: "bearer" },
    expires_in: { type: "integer" },
    refresh_token: string,
    scope: string,
  },
  required: ["access_token", "token_type", "expires_in", "scope"],
} as const;

/** RFC 6749 §5.2 error response, with FastAPI's `detail`. */
export const OAuthErrorSchema = {
  type: "object",
  properties: { error: string, error_description: string, detail: string },
  required: ["error", "error_description", "detail"],
} as const;

/** The password grant's answer for a user with a second factor: continue with `mfa_token` and a code. */
export const MfaRequiredSchema = {
  type: "object",
  description:
    "mfa_required: the password was right; send the mfa_token with a code (grant_type urn:gatehouse:grant-type:mfa-otp)",
  properties: {
    error: { type: "string", const: "mfa_required" },
    error_description: string,
    detail: string,
    mfa_token: string,
  },
  required: ["error", "error_description", "detail", "mfa_token"],
} as const;

/** Every non-token error: `detail` is a string, or FastAPI's validation list. */
export const ErrorSchema = {
  type: "object",
  properties: {
    detail: {
      anyOf: [
        string,
        {
          type: "array",
          items: {
            type: "object",
            properties: {
              loc: { type: "array", items: { anyOf: [string, { type: "integer" }] } },
              msg: string,
              type: string,
            },
            required: ["loc", "msg", "type"],
          },
        },
      ],
    },
  },
  required: ["detail"],
} as const;

/** The form fields of POST /token, for the OpenAPI document (token-form.ts parses the body). */
export const TokenFormSchema = {
  type: "object",
  properties: {
    grant_type: { type: "string", enum: [...GRANT_TYPES], default: "password" },
    username: string,
    password: { type: "string", format: "password" },
    // Empty defaults: Swagger UI's "Try it out" would otherwise send the word "string".
    scope: { type: "string", default: "", description: "Space-separated scopes; empty for all of the user's scopes" },
    refresh_token: { type: "string", default: "" },
    client_id: { type: "string", default: "" },
    client_secret: { type: "string", format: "password", default: "" },
    mfa_token: {
      type: "string",
      default: "",
      description: "The second login step: the mfa_token of the 403 mfa_required",
    },
    otp: { type: "string", default: "", description: "A TOTP code, with the mfa-otp grant" },
    recovery_code: { type: "string", default: "", description: "A recovery code, with the mfa-recovery-code grant" },
  },
} as const;

/** The `security` requirement of a route that needs these scopes. */
export function securityRequirement(scopes: readonly string[]): Array<Record<string, string[]>> {
  return [{ [SECURITY_SCHEME]: [...scopes] }];
}

/** Standard error responses of a protected route, for the OpenAPI document. */
export const protectedRouteErrors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema } as const;

/** RFC 7662 §2.2 introspection response. */
export const IntrospectionSchema = {
  type: "object",
  properties: {
    active: { type: "boolean" },
    scope: string,
    client_id: string,
    username: string,
    token_type: string,
    exp: { type: "number" },
    iat: { type: "number" },
    sub: string,
    iss: string,
    aud: { anyOf: [string, { type: "array", items: string }] },
    jti: string,
  },
  required: ["active"],
} as const;

/** The admin API's user list page. */
export const UserPageSchema = {
  type: "object",
  properties: {
    users: { type: "array", items: PublicUserSchema },
    next_cursor: { type: ["string", "null"] },
  },
  required: ["users", "next_cursor"],
} as const;

// Bounds here are generous outer limits; the core applies the exact policy with clear messages.
const email = { type: "string", minLength: 3, maxLength: 254 } as const;
const fullName = { type: "string", maxLength: 256 } as const;
const scopes = { type: "array", items: { type: "string", minLength: 1, maxLength: 64 }, maxItems: 64 } as const;
const password = { type: "string", minLength: 1, maxLength: 4096 } as const;

/** POST /users body. */
export interface CreateUserBody {
  username: string;
  email: string;
  password: string;
  full_name?: string;
  scopes?: string[];
  disabled?: boolean;
  email_verified?: boolean;
}
export const CreateUserBodySchema = {
  type: "object",
  properties: {
    username: { type: "string", minLength: 1, maxLength: 256 },
    email,
    password,
    full_name: fullName,
    scopes,
    disabled: { type: "boolean" },
    email_verified: { type: "boolean" },
  },
  required: ["username", "email", "password"],
  additionalProperties: false,
} as const;

/** PATCH /users/{username} body. */
export interface UpdateUserBody {
  email?: string;
  full_name?: string;
  scopes?: string[];
  disabled?: boolean;
  password?: string;
  email_verified?: boolean;
}
export const UpdateUserBodySchema = {
  type: "object",
  properties: {
    email,
    full_name: fullName,
    scopes,
    disabled: { type: "boolean" },
    password,
    email_verified: { type: "boolean" },
  },
  additionalProperties: false,
  minProperties: 1,
} as const;

/** PATCH /users/me body: what users may change about themselves. */
export interface UpdateMeBody {
  email?: string;
  full_name?: string;
}
export const UpdateMeBodySchema = {
  type: "object",
  properties: { email, full_name: fullName },
  additionalProperties: false,
  minProperties: 1,
} as const;

/** POST /users/me/password body. */
export interface ChangePasswordBody {
  current_password: string;
  new_password: string;
}
export const ChangePasswordBodySchema = {
  type: "object",
  properties: { current_password: password, new_password: password },
  required: ["current_password", "new_password"],
  additionalProperties: false,
} as const;

/** GET /users query. */
export interface UserListQuery {
  /** 1–500, as written in the query string (types are not coerced anywhere). */
  limit?: string;
  cursor?: string;
}
export const UserListQuerySchema = {
  type: "object",
  properties: {
    limit: {
      type: "string",
      pattern: "^(?:[1-9][0-9]?|[1-4][0-9]{2}|500)$",
      description: "Page size, 1–500 (default 50)",
    },
    cursor: { type: "string", maxLength: 512 },
  },
} as const;

/** The {username} path parameter. */
export interface UsernameParams {
  username: string;
}
export const UsernameParamsSchema = {
  type: "object",
  properties: { username: { type: "string", minLength: 1, maxLength: 256 } },
  required: ["username"],
} as const;

/** A 204 reply, for the OpenAPI document. */
export const NoContentSchema = { type: "null", description: "No content" } as const;

/** One login session as GET /users/me/sessions lists it; times are RFC 3339. */
export const SessionSchema = {
  type: "object",
  properties: {
    id: string,
    created_at: { type: "string", format: "date-time" },
    last_used_at: { type: "string", format: "date-time" },
    expires_at: { type: "string", format: "date-time" },
    client_id: string,
    ip: { type: ["string", "null"] },
    user_agent: { type: ["string", "null"] },
    amr: { type: "array", items: string },
    current: { type: "boolean", description: "True for the session of the token that asked" },
  },
  required: ["id", "created_at", "last_used_at", "expires_at", "client_id", "ip", "user_agent", "amr", "current"],
  additionalProperties: false,
} as const;

/** The session list, newest first. */
export const SessionListSchema = {
  type: "object",
  properties: { sessions: { type: "array", items: SessionSchema } },
  required: ["sessions"],
} as const;

/** The {id} path parameter of a session, with the {username} of the admin routes. */
export interface SessionParams {
  id: string;
  username?: string;
}
export const SessionParamsSchema = {
  type: "object",
  properties: {
    id: { type: "string", minLength: 1, maxLength: 64 },
    username: { type: "string", minLength: 1, maxLength: 256 },
  },
  required: ["id"],
} as const;

/** One audit event as GET /audit lists it and webhooks send it. */
export const AuditEventSchema = {
  type: "object",
  properties: {
    id: string,
    time: { type: "string", format: "date-time" },
    type: { type: "string", enum: [...AUDIT_EVENT_TYPES] },
    username: { type: ["string", "null"] },
    actor: { type: "string", description: "self, admin:NAME, cli or system" },
    ip: { type: ["string", "null"] },
    user_agent: { type: ["string", "null"] },
    session_id: { type: ["string", "null"] },
    details: { type: "object", additionalProperties: true },
  },
  required: ["id", "time", "type", "username", "actor", "ip", "user_agent", "session_id", "details"],
  additionalProperties: false,
} as const;

/** A page of audit events, newest first. */
export const AuditPageSchema = {
  type: "object",
  properties: {
    events: { type: "array", items: AuditEventSchema },
    next_cursor: { type: ["string", "null"] },
  },
  required: ["events", "next_cursor"],
} as const;

/** GET /audit query (GET /users/me/audit takes the same, without `username`). */
export interface AuditListQuery {
  username?: string;
  type?: string;
  /** RFC 3339. */
  since?: string;
  limit?: string;
  cursor?: string;
}
const auditQueryProperties = {
  type: { type: "string", enum: [...AUDIT_EVENT_TYPES] },
  since: { type: "string", format: "date-time", description: "Only events at or after this RFC 3339 time" },
  limit: {
    type: "string",
    pattern: "^(?:[1-9][0-9]?|[1-4][0-9]{2}|500)$",
    description: "Page size, 1–500 (default 50)",
  },
  cursor: { type: "string", maxLength: 64 },
} as const;
export const AuditListQuerySchema = {
  type: "object",
  properties: { username: { type: "string", minLength: 1, maxLength: 256 }, ...auditQueryProperties },
  additionalProperties: false,
} as const;
export const OwnAuditListQuerySchema = {
  type: "object",
  properties: auditQueryProperties,
  additionalProperties: false,
} as const;

/** POST /register body. */
export interface RegisterBody {
  username: string;
  email: string;
  password: string;
  full_name?: string;
}
export const RegisterBodySchema = {
  type: "object",
  properties: {
    username: { type: "string", minLength: 1, maxLength: 256 },
    email,
    password,
    full_name: fullName,
  },
  required: ["username", "email", "password"],
  additionalProperties: false,
} as const;

// A one-time token is 43 characters; the bound only keeps junk out, the core checks the shape.
const accountToken = { type: "string", minLength: 1, maxLength: 256 } as const;

/** POST /email/verify and POST /unlock body. */
export interface AccountTokenBody {
  token: string;
}
export const AccountTokenBodySchema = {
  type: "object",
  properties: { token: accountToken },
  required: ["token"],
  additionalProperties: false,
} as const;

/** POST /password/forgot body: a username or an e-mail address. */
export type ForgotPasswordBody = { username: string } | { email: string };
export const ForgotPasswordBodySchema = {
  type: "object",
  properties: { username: { type: "string", minLength: 1, maxLength: 256 }, email },
  oneOf: [{ required: ["username"] }, { required: ["email"] }],
  additionalProperties: false,
} as const;

/** POST /password/reset body. */
export interface ResetPasswordBody {
  token: string;
  new_password: string;
}
export const ResetPasswordBodySchema = {
  type: "object",
  properties: { token: accountToken, new_password: password },
  required: ["token", "new_password"],
  additionalProperties: false,
} as const;

/** A 202 reply: `{"detail": …}`. */
export const AcceptedSchema = {
  type: "object",
  properties: { detail: string },
  required: ["detail"],
} as const;
