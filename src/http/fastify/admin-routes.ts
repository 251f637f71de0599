import type { FastifyInstance } from "fastify";
import { GatehouseError, toPublicUser } from "../../core/index.js";
import { profileFieldsOf } from "../../core/users/profile.js";
import { auditContext } from "./audit-context.js";
import type { AuthHooks } from "./auth-hooks.js";
import { userSchemasFor } from "./profile-schemas.js";
import {
  type CreateUserBody,
  ErrorSchema,
  NoContentSchema,
  protectedRouteErrors,
  securityRequirement,
  type UpdateUserBody,
  type UserListQuery,
  UserListQuerySchema,
  type UsernameParams,
  UsernameParamsSchema,
} from "./schemas.js";

type Params = UsernameParams;

/** User administration under scope `admin`: list, create, read, update, delete. */
export function registerAdminRoutes(app: FastifyInstance, hooks: AuthHooks): void {
  const onRequest = hooks.requireActiveUser(["admin"]);
  const security = securityRequirement(["admin"]);
  const users = () => app.gatehouse.core.users;
  const errors = { ...protectedRouteErrors, 404: ErrorSchema, 409: ErrorSchema, 422: ErrorSchema };
  const { publicUser, userPage, createBody, updateBody } = userSchemasFor(app.gatehouse.core.profileFields);

  app.get<{ Querystring: UserListQuery }>(
    "/users",
    {
      onRequest,
      schema: {
        summary: "List users, a page at a time",
        tags: ["admin"],
        security,
        querystring: UserListQuerySchema,
        response: { 200: userPage, ...errors },
      },
    },
    async (request) => {
      const limit = request.query.limit === undefined ? 50 : Number(request.query.limit);
      const page = await users().list({ limit, cursor: request.query.cursor ?? null });
      return { users: page.users.map(toPublicUser), next_cursor: page.nextCursor };
    },
  );

  app.post<{ Body: CreateUserBody }>(
    "/users",
    {
      onRequest,
      schema: {
        summary: "Create a user",
        tags: ["admin"],
        security,
        body: createBody,
        response: { 201: publicUser, ...errors },
      },
    },
    async (request, reply) => {
      const { username, email, password, full_name, scopes, disabled, email_verified } = request.body;
      const user = await users().create(
        {
          username,
          email,
          password,
          ...(full_name === undefined ? {} : { fullName: full_name }),
          ...(scopes === undefined ? {} : { scopes }),
          ...(disabled === undefined ? {} : { disabled }),
          profile: profileFieldsOf(request.body),
          ...(email_verified === undefined ? {} : { emailVerified: email_verified }),
        },
        auditContext(request, "admin"),
      );
      return reply.code(201).send(toPublicUser(user));
    },
  );

  app.get<{ Params: Params }>(
    "/users/:username",
    {
      onRequest,
      schema: {
        summary: "Read a user",
        tags: ["admin"],
        security,
        params: UsernameParamsSchema,
        response: { 200: publicUser, ...errors },
      },
    },
    async (request) => {
      const user = await users().get(request.params.username);
      if (!user) throw new GatehouseError("user_not_found", "User not found");
      return toPublicUser(user);
    },
  );

  app.patch<{ Params: Params; Body: UpdateUserBody }>(
    "/users/:username",
    {
      onRequest,
      schema: {
        summary: "Update a user: disabled, scopes, email, email_verified, full_name, password",
        tags: ["admin"],
        security,
        params: UsernameParamsSchema,
        body: updateBody,
        response: { 200: publicUser, ...errors },
      },
    },
    async (request) => {
      const { email, full_name, scopes, disabled, password, email_verified } = request.body;
      const profile = profileFieldsOf(request.body);
      const user = await users().update(
        request.params.username,
        {
          ...(email === undefined ? {} : { email }),
          ...(full_name === undefined ? {} : { fullName: full_name }),
          ...(scopes === undefined ? {} : { scopes }),
          ...(disabled === undefined ? {} : { disabled }),
          ...(password === undefined ? {} : { password }),
          ...(Object.keys(profile).length === 0 ? {} : { profile }),
          ...(email_verified === undefined ? {} : { emailVerified: email_verified }),
        },
        auditContext(request, "admin"),
      );
      return toPublicUser(user);
    },
  );

  app.delete<{ Params: Params }>(
    "/users/:username",
    {
      onRequest,
      schema: {
        summary: "Delete a user and all their tokens",
        tags: ["admin"],
        security,
        params: UsernameParamsSchema,
        response: { 204: NoContentSchema, ...errors },
      },
    },
    async (request, reply) => {
      await users().remove(request.params.username, auditContext(request, "admin"));
      return reply.code(204).send();
    },
  );
}
