import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import type { Gatehouse, Principal, PublicUser } from "../../core/index.js";
import { type AuthHooks, createAuthHooks } from "./auth-hooks.js";
import { registerMeRoutes } from "./me-routes.js";
import { securityRequirement } from "./schemas.js";
import { registerTokenRoute } from "./token-route.js";

/** What the plugin adds to the Fastify instance as `app.gatehouse`. */
export interface GatehouseDecorator extends AuthHooks {
  core: Gatehouse;
  /** The OpenAPI `security` entry for a route needing these scopes. */
  security(scopes?: readonly string[]): Array<Record<string, string[]>>;
}

declare module "fastify" {
  interface FastifyInstance {
    gatehouse: GatehouseDecorator;
  }
  interface FastifyRequest {
    /** The authenticated user, set by `requireUser`/`requireActiveUser`; null elsewhere. */
    user: PublicUser | null;
    /** The token's claims and scopes with the user; null on unauthenticated routes. */
    principal: Principal | null;
  }
}

/** Options for {@link gatehousePlugin}. */
export interface GatehousePluginOptions {
  gatehouse: Gatehouse;
  /** Where the token endpoint lives; default "/token". */
  tokenPath?: string;
  /** Serve GET /users/me and /user/me; default true. */
  meRoutes?: boolean;
}

const plugin: FastifyPluginAsync<GatehousePluginOptions> = async (app: FastifyInstance, options) => {
  const hooks = createAuthHooks(options.gatehouse);
  app.decorate("gatehouse", {
    core: options.gatehouse,
    ...hooks,
    security: (scopes = []) => securityRequirement(scopes),
  });
  app.decorateRequest("user", null);
  app.decorateRequest("principal", null);
  await app.register(registerTokenRoute, { gatehouse: options.gatehouse, path: options.tokenPath ?? "/token" });
  if (options.meRoutes ?? true) registerMeRoutes(app, hooks);
};

/**
 * Fastify plugin: the token endpoint, `/users/me`, and `app.gatehouse.requireActiveUser(scopes)`
 * for the app's own routes.
 * @example
 * const app = Fastify();
 * await app.register(gatehousePlugin, { gatehouse });
 * app.get("/items", { preHandler: app.gatehouse.requireActiveUser(["items"]) },
 *   async (request) => ({ owner: request.user?.username }));
 */
export const gatehousePlugin = fp(plugin, { name: "gatehouse", fastify: "5.x" });
