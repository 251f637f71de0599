import type { FastifyInstance } from "fastify";
import type { AuthHooks } from "./auth-hooks.js";
import { PublicUserSchema, protectedRouteErrors, securityRequirement } from "./schemas.js";

/** GET /users/me and its seed alias /user/me: the caller's own profile (scope `me`). */
export function registerMeRoutes(app: FastifyInstance, hooks: AuthHooks): void {
  const scopes = ["me"];
  const preHandler = hooks.requireActiveUser(scopes);
  for (const url of ["/users/me", "/user/me"]) {
    app.get(
      url,
      {
        preHandler,
        schema: {
          summary: url === "/users/me" ? "Read your own profile" : "Read your own profile (the seed's path)",
          tags: ["users"],
          security: securityRequirement(scopes),
          response: { 200: PublicUserSchema, ...protectedRouteErrors },
        },
      },
      // The response schema serialises only public fields: a hash cannot slip through.
      async (request) => request.user,
    );
  }
}
