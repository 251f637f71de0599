import type { FastifyInstance } from "fastify";
import { DEFAULT_CLIENT_ID, type Principal, toPublicUser } from "../../core/index.js";
import { profileFieldsOf } from "../../core/users/profile.js";
import { auditContext } from "./audit-context.js";
import type { AuthHooks } from "./auth-hooks.js";
import { userSchemasFor } from "./profile-schemas.js";
import {
  type ChangePasswordBody,
  ChangePasswordBodySchema,
  protectedRouteErrors,
  securityRequirement,
  TokenResponseSchema,
  type UpdateMeBody,
} from "./schemas.js";

/** The caller's own profile (scope `me`): read it (also at the seed's /user/me), edit it, change the password. */
export function registerMeRoutes(app: FastifyInstance, hooks: AuthHooks): void {
  const scopes = ["me"];
  const onRequest = hooks.requireActiveUser(scopes);
  const security = securityRequirement(scopes);
  const { publicUser, updateMeBody } = userSchemasFor(app.gatehouse.core.profileFields);
  for (const url of ["/users/me", "/user/me"]) {
    app.get(
      url,
      {
        onRequest,
        schema: {
          summary: url === "/users/me" ? "Read your own profile" : "Read your own profile (the seed's path)",
          tags: ["users"],
          security,
          response: { 200: publicUser, ...protectedRouteErrors },
        },
      },
      // The response schema serialises only public fields: a hash cannot slip through.
      async (request) => request.user,
    );
  }

  app.patch<{ Body: UpdateMeBody }>(
    "/users/me",
    {
      onRequest,
      schema: {
        summary: "Change your e-mail address or full name",
        tags: ["users"],
        security,
        body: updateMeBody,
        response: { 200: publicUser, ...protectedRouteErrors },
      },
    },
    async (request) => {
      const { email, full_name } = request.body;
      const profile = profileFieldsOf(request.body);
      const core = app.gatehouse.core;
      const user = await core.users.update(
        (request.user as { username: string }).username,
        {
          ...(email === undefined ? {} : { email }),
          ...(full_name === undefined ? {} : { fullName: full_name }),
          ...(Object.keys(profile).length === 0 ? {} : { profile }),
        },
        auditContext(request, "self"),
      );
      // A new address is unverified: its link goes out, and a mail failure never fails the change.
      if (email !== undefined && !user.emailVerified && core.accounts.mailEnabled) {
        await core.accounts
          .sendVerification(user.username, auditContext(request, "self"))
          .catch((error: unknown) => request.log.warn({ err: error }, "accounts: the verification mail failed"));
      }
      return toPublicUser(user);
    },
  );

  app.post<{ Body: ChangePasswordBody }>(
    "/users/me/password",
    {
      onRequest,
      schema: {
        summary: "Change your password: every earlier token of yours stops working, and you continue in a new session",
        tags: ["users"],
        security,
        body: ChangePasswordBodySchema,
        response: { 200: TokenResponseSchema, ...protectedRouteErrors },
      },
    },
    async (request, reply) => {
      const { current_password, new_password } = request.body;
      const principal = request.principal as Principal;
      const clientId = principal.claims.client_id;
      const userAgent = request.headers["user-agent"];
      const { tokens } = await app.gatehouse.core.changeOwnPassword(
        principal.user.username,
        current_password,
        new_password,
        {
          clientAddress: request.ip,
          audit: auditContext(request, "self"),
          newSession: {
            scopes: principal.scopes,
            ...(clientId === DEFAULT_CLIENT_ID ? {} : { clientId }),
            ...(userAgent === undefined ? {} : { userAgent }),
            ...(principal.claims.amr === undefined ? {} : { amr: principal.claims.amr }),
          },
        },
      );
      return reply.header("cache-control", "no-store").header("pragma", "no-cache").send(tokens);
    },
  );
}
