import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import type { Gatehouse, Principal, PublicUser } from "../../core/index.js";
import { registerAdminRoutes } from "./admin-routes.js";
import { registerAuditRoutes } from "./audit-routes.js";
import { type AuthHooks, createAuthHooks } from "./auth-hooks.js";
import { registerDiscoveryRoutes } from "./discovery-routes.js";
import { installStrictJsonParser } from "./json-body.js";
import { registerMeRoutes } from "./me-routes.js";
import { registerOAuthRoutes } from "./oauth-routes.js";
import { securityRequirement } from "./schemas.js";
import { registerSessionListRoutes } from "./session-list-routes.js";
import { registerSessionRoutes } from "./session-routes.js";

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
    /** How bearer authentication ended on this request ("valid" or an error code), for metrics. */
    authOutcome: string | null;
    /** The token endpoint's grant type and outcome ("success" or an error code), for metrics. */
    grantOutcome: { grant: string; outcome: string } | null;
  }
}

/** Options for {@link gatehousePlugin}. */
export interface GatehousePluginOptions {
  gatehouse: Gatehouse;
  /** Where the token endpoint lives; default "/token". */
  tokenPath?: string;
  /** Serve /users/me (read, edit, change password) and /user/me; default true. */
  meRoutes?: boolean;
  /** Serve the admin user API (/users, /users/{username}); default true. */
  adminRoutes?: boolean;
  /** Serve the session lists (/users/me/sessions, /users/{username}/sessions); default true. */
  sessionRoutes?: boolean;
  /** Serve the audit log (/audit, /users/me/audit); default true. */
  auditRoutes?: boolean;
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
  app.decorateRequest("authOutcome", null);
  app.decorateRequest("grantOutcome", null);
  const tokenPath = options.tokenPath ?? "/token";
  await app.register(registerOAuthRoutes, { gatehouse: options.gatehouse, hooks, tokenPath });
  registerDiscoveryRoutes(app, { tokenPath });
  // The routes that read JSON, in a context of their own so that their stricter parser
  // (duplicate keys refused) does not replace the host app's.
  await app.register(async (jsonRoutes) => {
    installStrictJsonParser(jsonRoutes);
    registerSessionRoutes(jsonRoutes, hooks);
    if (options.meRoutes ?? true) registerMeRoutes(jsonRoutes, hooks);
    if (options.adminRoutes ?? true) registerAdminRoutes(jsonRoutes, hooks);
    if (options.sessionRoutes ?? true) registerSessionListRoutes(jsonRoutes, hooks);
    if (options.auditRoutes ?? true) registerAuditRoutes(jsonRoutes, hooks);
  });
};

/**
 * Fastify plugin: the token endpoint, `/users/me`, and `app.gatehouse.requireActiveUser(scopes)`
 * for the app's own routes.
 * @example
 * const gatehouse = await createGatehouse({ store, scopes: { items: "Read your items" } });
 * const app = Fastify();
 * await app.register(gatehousePlugin, { gatehouse });
 * app.get("/items", { onRequest: app.gatehouse.requireActiveUser(["items"]) },
 *   async (request) => ({ owner: request.user?.username }));
 */
export const gatehousePlugin = fp(plugin, { name: "gatehouse", fastify: "5.x" });
