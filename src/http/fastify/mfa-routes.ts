import type { FastifyInstance } from "fastify";
import { auditContext } from "./audit-context.js";
import type { AuthHooks } from "./auth-hooks.js";
import {
  type ConfirmTotpBody,
  ConfirmTotpBodySchema,
  type DisableMfaBody,
  DisableMfaBodySchema,
  type EnrolTotpBody,
  EnrolTotpBodySchema,
  RecoveryCodesSchema,
  TotpEnrolmentSchema,
} from "./mfa-schemas.js";
import {
  ErrorSchema,
  NoContentSchema,
  protectedRouteErrors,
  securityRequirement,
  type UsernameParams,
  UsernameParamsSchema,
} from "./schemas.js";

const errors = { ...protectedRouteErrors, 404: ErrorSchema, 409: ErrorSchema, 422: ErrorSchema, 429: ErrorSchema };

/**
 * A caller's own second factor (scope `me`): enrol a TOTP app, confirm it, remove it, and get
 * new recovery codes. Enrolment also takes the enrolment-only token of `mfa: "required"`.
 */
export function registerMfaRoutes(app: FastifyInstance, hooks: AuthHooks): void {
  const scopes = ["me"];
  const security = securityRequirement(scopes);
  const enrolling = hooks.requireActiveUser(scopes, { enrolment: true });
  const mfa = () => app.gatehouse.core.mfa;
  const who = (request: { user: { username: string } | null }) => (request.user as { username: string }).username;

  app.post<{ Body: EnrolTotpBody }>(
    "/users/me/mfa/totp",
    {
      onRequest: enrolling,
      schema: {
        summary: "Start enrolling an authenticator app (needs your current password)",
        tags: ["mfa"],
        security,
        body: EnrolTotpBodySchema,
        response: { 200: TotpEnrolmentSchema, ...errors },
      },
    },
    async (request, reply) => {
      const enrolment = await mfa().enrolTotp(who(request), request.body.current_password, {
        clientAddress: request.ip,
        audit: auditContext(request, "self"),
      });
      reply.header("cache-control", "no-store");
      return { secret: enrolment.secret, otpauth_uri: enrolment.otpauthUri, qr_svg: enrolment.qrSvg };
    },
  );

  app.post<{ Body: ConfirmTotpBody }>(
    "/users/me/mfa/totp/confirm",
    {
      onRequest: enrolling,
      schema: {
        summary: "Turn the second factor on with a first code; returns recovery codes, shown once",
        tags: ["mfa"],
        security,
        body: ConfirmTotpBodySchema,
        response: { 200: RecoveryCodesSchema, ...errors },
      },
    },
    async (request, reply) => {
      const codes = await mfa().confirmTotp(who(request), request.body.code, {
        clientAddress: request.ip,
        audit: auditContext(request, "self"),
      });
      reply.header("cache-control", "no-store");
      return { recovery_codes: codes };
    },
  );

  app.delete<{ Body: DisableMfaBody }>(
    "/users/me/mfa",
    {
      onRequest: hooks.requireActiveUser(scopes),
      schema: {
        summary: "Remove your second factor (needs your current password and a code)",
        tags: ["mfa"],
        security,
        body: DisableMfaBodySchema,
        response: { 204: NoContentSchema, ...errors },
      },
    },
    async (request, reply) => {
      await mfa().disable(who(request), request.body.current_password, request.body.code, {
        clientAddress: request.ip,
        audit: auditContext(request, "self"),
      });
      return reply.code(204).send();
    },
  );

  app.post(
    "/users/me/mfa/recovery-codes",
    {
      onRequest: hooks.requireActiveUser(scopes, { mfa: true }),
      schema: {
        summary: "New recovery codes (needs a login with a second factor); the old ones stop working",
        tags: ["mfa"],
        security,
        response: { 200: RecoveryCodesSchema, ...errors },
      },
    },
    async (request, reply) => {
      const codes = await mfa().regenerateRecoveryCodes(who(request), auditContext(request, "self"));
      reply.header("cache-control", "no-store");
      return { recovery_codes: codes };
    },
  );
}

/** Admin removal of a user's second factor (a lost phone), scope `admin`. */
export function registerAdminMfaRoutes(app: FastifyInstance, hooks: AuthHooks): void {
  app.delete<{ Params: UsernameParams }>(
    "/users/:username/mfa",
    {
      onRequest: hooks.requireActiveUser(["admin"]),
      schema: {
        summary: "Remove a user's second factor",
        tags: ["admin"],
        security: securityRequirement(["admin"]),
        params: UsernameParamsSchema,
        response: { 204: NoContentSchema, ...errors },
      },
    },
    async (request, reply) => {
      await app.gatehouse.core.mfa.remove(request.params.username, auditContext(request, "admin"));
      return reply.code(204).send();
    },
  );
}
