/** `gatehouse/fastify`: the Fastify plugin and its pieces. */

export type { AuthHooks, RouteAuthOptions } from "./auth-hooks.js";
export type { GatehouseDecorator, GatehousePluginOptions, GatehouseRouteGroups } from "./plugin.js";
export { gatehousePlugin } from "./plugin.js";

export { SECURITY_SCHEME, securityRequirement } from "./schemas.js";
