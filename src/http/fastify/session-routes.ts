import type { FastifyInstance } from "fastify";
import { auditContext } from "./audit-context.js";
import type { AuthHooks } from "./auth-hooks.js";
import { NoContentSchema, protectedRouteErrors, securityRequirement } from "./schemas.js";

/** POST /logout (this token and its session) and POST /logout/all (every token of the user). */
export function registerSessionRoutes(app: FastifyInstance, hooks: AuthHooks): void {
  // Logging out needs a valid token but no scope; a disabled user may still end sessions.
  const onRequest = hooks.requireUser();
  app.post(
    "/logout",
    {
      onRequest,
      schema: {
        summary: "Log out: this access token and its refresh token stop working",
        tags: ["auth"],
        security: securityRequirement([]),
        response: { 204: NoContentSchema, ...protectedRouteErrors },
      },
    },
    async (request, reply) => {
      if (request.principal) await app.gatehouse.core.logout(request.principal, auditContext(request, "self"));
      return reply.code(204).send();
    },
  );
  app.post(
    "/logout/all",
    {
      onRequest,
      schema: {
        summary: "Log out everywhere: every token of yours issued so far stops working",
        tags: ["auth"],
        security: securityRequirement([]),
        response: { 204: NoContentSchema, ...protectedRouteErrors },
      },
    },
    async (request, reply) => {
      if (request.user) await app.gatehouse.core.logoutEverywhere(request.user.username, auditContext(request, "self"));
      return reply.code(204).send();
    },
  );
}
