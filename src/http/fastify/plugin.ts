import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import type { Gatehouse, Principal, PublicUser } from "../../core/index.js";
import { registerAccountRoutes } from "./account-routes.js";
import { registerAdminRoutes } from "./admin-routes.js";
import { registerAuditRoutes } from "./audit-routes.js";
import { type AuthHooks, createAuthHooks } from "./auth-hooks.js";
import { registerDiscoveryRoutes } from "./discovery-routes.js";
import { installStrictJsonParser } from "./json-body.js";
import { registerMeRoutes } from "./me-routes.js";
import { registerAdminMfaRoutes, registerMfaRoutes } from "./mfa-routes.js";
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

/**
 * The groups of routes {@link gatehousePlugin} can serve. `app.gatehouse.requireActiveUser`
 * and the other hooks are there whichever groups are on.
 */
export interface GatehouseRouteGroups {
  /**
   * The OAuth endpoints: `POST /token` (or `tokenPath`), `/revoke`, `/introspect` (an admin
   * token), `GET /.well-known/jwks.json` and `/.well-known/oauth-authorization-server`. Default on.
   */
  token?: boolean;
  /**
   * Self-service for a logged-in user: `GET`/`PATCH /users/me` (and `GET /user/me`),
   * `POST /users/me/password`, `POST /logout`, `POST /logout/all`; and the account routes
   * (`/register` with open registration, `/email/verify`, `/password/reset`, `/unlock`, and
   * with a mailer `/email/verify/resend`, `/password/forgot`). Default on.
   */
  self?: boolean;
  /**
   * The admin user API: `GET`/`POST /users`, `GET`/`PATCH`/`DELETE /users/{username}`, each
   * needing the `admin` scope. Default off: a host app opts in.
   */
  admin?: boolean;
}

/** Options for {@link gatehousePlugin}. */
export interface GatehousePluginOptions {
  gatehouse: Gatehouse;
  /** Where the token endpoint lives; default "/token". */
  tokenPath?: string;
  /** Which route groups to serve; default `{ token: true, self: true, admin: false }`. */
  routes?: GatehouseRouteGroups;
}

/** What a host app gets unless it asks otherwise: logging in and self-service, no admin API. */
const DEFAULT_ROUTE_GROUPS: Readonly<Required<GatehouseRouteGroups>> = { token: true, self: true, admin: false };

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
  const routes = { ...DEFAULT_ROUTE_GROUPS, ...options.routes };
  if (routes.token) {
    await registerOAuthRoutes(app, { gatehouse: options.gatehouse, hooks, tokenPath });
    registerDiscoveryRoutes(app, { tokenPath });
  }
  if (!routes.self && !routes.admin) return;
  // The routes that read JSON, in a context of their own so that their stricter parser
  // (duplicate keys refused) does not replace the host app's.
  await app.register(async (jsonRoutes) => {
    installStrictJsonParser(jsonRoutes);
    if (routes.self) {
      registerSessionRoutes(jsonRoutes, hooks);
      registerMeRoutes(jsonRoutes, hooks);
      registerAccountRoutes(jsonRoutes, hooks);
      // With second factors off, the enrolment routes do not exist (404).
      if (options.gatehouse.options.mfa !== "off") registerMfaRoutes(jsonRoutes, hooks);
    }
    if (routes.admin) {
      registerAdminRoutes(jsonRoutes, hooks);
      registerAdminMfaRoutes(jsonRoutes, hooks);
    }
    // Session lists and the audit log have a caller's own routes and admin routes side by side;
    // each route demands its scope (`me` or `admin`), so they come with either group.
    if (routes.self || routes.admin) {
      registerSessionListRoutes(jsonRoutes, hooks);
      registerAuditRoutes(jsonRoutes, hooks);
    }
  });
};

/**
 * Fastify plugin: the token endpoints, `/users/me` and the other self-service routes (the
 * admin user API only with `routes: { admin: true }`), and `app.gatehouse.requireActiveUser(scopes)`
 * for the app's own routes. Its body parsers apply to its own routes only.
 * @example
 * const gatehouse = await createGatehouse({ store, scopes: { items: "Read your items" } });
 * const app = Fastify();
 * await app.register(gatehousePlugin, { gatehouse });
 * app.get("/items", { onRequest: app.gatehouse.requireActiveUser(["items"]) },
 *   async (request) => ({ owner: request.user?.username }));
 */
export const gatehousePlugin = fp(plugin, { name: "gatehouse", fastify: "5.x" });
