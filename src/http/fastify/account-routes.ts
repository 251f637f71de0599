import type { FastifyInstance, FastifyRequest } from "fastify";
import { type AccountRequestContext, toPublicUser } from "../../core/index.js";
import { profileFieldsOf } from "../../core/users/profile.js";
import { auditContext } from "./audit-context.js";
import type { AuthHooks } from "./auth-hooks.js";
import { userSchemasFor } from "./profile-schemas.js";
import {
  AcceptedSchema,
  type AccountTokenBody,
  AccountTokenBodySchema,
  ErrorSchema,
  type ForgotPasswordBody,
  ForgotPasswordBodySchema,
  PublicUserSchema,
  protectedRouteErrors,
  type RegisterBody,
  type ResetPasswordBody,
  ResetPasswordBodySchema,
  securityRequirement,
  TokenResponseSchema,
} from "./schemas.js";

/** The one reply of POST /password/forgot, whatever the account. */
export const FORGOT_PASSWORD_REPLY = { detail: "If the account exists, a reset link has been sent" } as const;

const errors = { 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 422: ErrorSchema, 429: ErrorSchema } as const;

/** Where an account request came from, as the core's per-address budgets count it. */
function requestContext(request: FastifyRequest): AccountRequestContext {
  const userAgent = request.headers["user-agent"];
  return { clientAddress: request.ip, ...(userAgent === undefined ? {} : { userAgent }) };
}

/**
 * The account routes: sign-up (only with open registration), e-mail verification, forgot and
 * reset password, unlock links. Routes that send mail exist only when a mailer is configured.
 */
export function registerAccountRoutes(app: FastifyInstance, hooks: AuthHooks): void {
  const accounts = () => app.gatehouse.core.accounts;
  const { registrationOpen, mailEnabled } = app.gatehouse.core.accounts;

  if (registrationOpen) {
    // Profile fields are taken at sign-up as by POST /users, beside the built-in ones.
    const { publicUser, registerBody } = userSchemasFor(app.gatehouse.core.profileFields);
    app.post<{ Body: RegisterBody }>(
      "/register",
      {
        schema: {
          summary: "Sign up: a new user with scope me (a taken username is 409)",
          tags: ["accounts"],
          body: registerBody,
          response: { 201: publicUser, ...errors },
        },
      },
      async (request, reply) => {
        const { username, email, password, full_name } = request.body;
        const profile = profileFieldsOf(request.body);
        const user = await accounts().register(
          {
            username,
            email,
            password,
            ...(full_name === undefined ? {} : { fullName: full_name }),
            ...(Object.keys(profile).length === 0 ? {} : { profile }),
          },
          requestContext(request),
        );
        return reply.code(201).send(toPublicUser(user));
      },
    );
  }

  app.post<{ Body: AccountTokenBody }>(
    "/email/verify",
    {
      schema: {
        summary: "Verify your e-mail address with the token from the verification mail",
        tags: ["accounts"],
        body: AccountTokenBodySchema,
        response: { 200: PublicUserSchema, ...errors },
      },
    },
    async (request) => toPublicUser(await accounts().verifyEmail(request.body.token, requestContext(request))),
  );

  if (mailEnabled) {
    const scopes = ["me"];
    app.post(
      "/email/verify/resend",
      {
        onRequest: hooks.requireActiveUser(scopes),
        schema: {
          summary: "Send the verification mail again",
          tags: ["accounts"],
          security: securityRequirement(scopes),
          response: { 202: AcceptedSchema, ...protectedRouteErrors },
        },
      },
      async (request, reply) => {
        await accounts().sendVerification(
          (request.user as { username: string }).username,
          auditContext(request, "self"),
        );
        return reply.code(202).send({ detail: "A verification mail has been sent unless the address is verified" });
      },
    );

    app.post<{ Body: ForgotPasswordBody }>(
      "/password/forgot",
      {
        schema: {
          summary: "Ask for a password reset link (the same reply whether or not the account exists)",
          tags: ["accounts"],
          body: ForgotPasswordBodySchema,
          response: { 202: AcceptedSchema, 422: ErrorSchema, 429: ErrorSchema },
        },
      },
      async (request, reply) => {
        const body = request.body;
        await accounts().forgotPassword(
          "username" in body ? { username: body.username } : { email: body.email },
          requestContext(request),
        );
        reply.header("cache-control", "no-store");
        return reply.code(202).send(FORGOT_PASSWORD_REPLY);
      },
    );
  }

  app.post<{ Body: ResetPasswordBody }>(
    "/password/reset",
    {
      schema: {
        summary: "Set a new password with the token from the reset mail; every session ends",
        tags: ["accounts"],
        body: ResetPasswordBodySchema,
        response: { 200: AcceptedSchema, ...errors },
      },
    },
    async (request) => {
      await accounts().resetPassword(request.body.token, request.body.new_password, requestContext(request));
      return { detail: "Your password has been reset" };
    },
  );

  app.post<{ Body: AccountTokenBody }>(
    "/unlock",
    {
      schema: {
        summary: "Log in with the unlock link mailed while your account is under attack",
        tags: ["accounts"],
        body: AccountTokenBodySchema,
        response: { 200: TokenResponseSchema, ...errors },
      },
    },
    async (request, reply) => {
      const tokens = await accounts().unlock(request.body.token, requestContext(request));
      reply.header("cache-control", "no-store");
      return tokens;
    },
  );
}
