import { Type } from "typebox";
import { PublicUserSchema } from "../../core/index.js";

/** The name of the OAuth2 security scheme in the OpenAPI document (as FastAPI names it). */
export const SECURITY_SCHEME = "OAuth2PasswordBearer";

/** RFC 6749 §5.1 successful token response. */
export const TokenResponseSchema = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal("bearer"),
  expires_in: Type.Integer(),
  refresh_token: Type.Optional(Type.String()),
  scope: Type.String(),
});

/** RFC 6749 §5.2 error response, with FastAPI's `detail`. */
export const OAuthErrorSchema = Type.Object({
  error: Type.String(),
  error_description: Type.String(),
  detail: Type.String(),
});

/** Every non-token error: `detail` is a string, or FastAPI's validation list. */
export const ErrorSchema = Type.Object({
  detail: Type.Union([
    Type.String(),
    Type.Array(
      Type.Object({
        loc: Type.Array(Type.Union([Type.String(), Type.Integer()])),
        msg: Type.String(),
        type: Type.String(),
      }),
    ),
  ]),
});

/** The public user, as served by `/users/me` and the admin routes. */
export { PublicUserSchema };

/** The form fields of POST /token, for the OpenAPI document (parsing is done by token-form.ts). */
export const TokenFormSchema = Type.Object({
  grant_type: Type.Optional(Type.String({ enum: ["password", "refresh_token"], default: "password" })),
  username: Type.Optional(Type.String()),
  password: Type.Optional(Type.String({ format: "password" })),
  scope: Type.Optional(Type.String({ description: "Space-separated scopes; empty for all of the user's scopes" })),
  refresh_token: Type.Optional(Type.String()),
  client_id: Type.Optional(Type.String()),
  client_secret: Type.Optional(Type.String({ format: "password" })),
});

/** The `security` requirement of a route that needs these scopes. */
export function securityRequirement(scopes: readonly string[]): Array<Record<string, string[]>> {
  return [{ [SECURITY_SCHEME]: [...scopes] }];
}

/** Standard error responses of a protected route, for the OpenAPI document. */
export const protectedRouteErrors = {
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
} as const;
