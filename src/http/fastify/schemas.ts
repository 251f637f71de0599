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

/** RFC 7662 §2.2 introspection response. */
export const IntrospectionSchema = Type.Object({
  active: Type.Boolean(),
  scope: Type.Optional(Type.String()),
  client_id: Type.Optional(Type.String()),
  username: Type.Optional(Type.String()),
  token_type: Type.Optional(Type.String()),
  exp: Type.Optional(Type.Number()),
  iat: Type.Optional(Type.Number()),
  sub: Type.Optional(Type.String()),
  iss: Type.Optional(Type.String()),
  aud: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
  jti: Type.Optional(Type.String()),
});

/** The admin API's user list page. */
export const UserPageSchema = Type.Object({
  users: Type.Array(PublicUserSchema),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

const Email = Type.String({ minLength: 3, maxLength: 254 });
const FullName = Type.String({ maxLength: 256 });
const Scopes = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64 });
const Password = Type.String({ minLength: 1, maxLength: 4096 });

/** POST /users body. */
export const CreateUserBodySchema = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 256 }),
    email: Email,
    password: Password,
    full_name: Type.Optional(FullName),
    scopes: Type.Optional(Scopes),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** PATCH /users/{username} body. */
export const UpdateUserBodySchema = Type.Object(
  {
    email: Type.Optional(Email),
    full_name: Type.Optional(FullName),
    scopes: Type.Optional(Scopes),
    disabled: Type.Optional(Type.Boolean()),
    password: Type.Optional(Password),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** PATCH /users/me body: what a user may change about themselves. */
export const UpdateMeBodySchema = Type.Object(
  { email: Type.Optional(Email), full_name: Type.Optional(FullName) },
  { additionalProperties: false, minProperties: 1 },
);

/** POST /users/me/password body. */
export const ChangePasswordBodySchema = Type.Object(
  { current_password: Password, new_password: Password },
  { additionalProperties: false },
);

/** GET /users query. */
export const UserListQuerySchema = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
});

/** The {username} path parameter. */
export const UsernameParamsSchema = Type.Object({ username: Type.String({ minLength: 1, maxLength: 256 }) });

/** A 204 reply, for the OpenAPI document. */
export const NoContentSchema = Type.Null({ description: "No content" });
