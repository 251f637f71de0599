/** `gatehouse/fastify`: the Fastify plugin and its pieces. */

export type { ErrorSite } from "../error-reply.js";
export { AT_RESOURCE, AT_TOKEN_ENDPOINT } from "../error-reply.js";
export type { AuthHooks, RouteAuthOptions } from "./auth-hooks.js";
export { createAuthHooks, sendGatehouseError } from "./auth-hooks.js";
export type { ClientError } from "./error-handler.js";
export { installErrorHandlers, replyToClientError, replyToFrameworkError } from "./error-handler.js";
export { DuplicateJsonKeyError, findDuplicateJsonKey, installStrictJsonParser } from "./json-body.js";
export { registerOAuthRoutes, TOKEN_BODY_LIMIT } from "./oauth-routes.js";
export type { GatehouseDecorator, GatehousePluginOptions, GatehouseRouteGroups } from "./plugin.js";
export { gatehousePlugin } from "./plugin.js";
export { REDACTED_QUERY, RedactingLogController, redactRequestUrl, requestLogSerializers } from "./request-log.js";
export {
  ErrorSchema,
  OAuthErrorSchema,
  PublicUserSchema,
  SECURITY_SCHEME,
  securityRequirement,
  TokenResponseSchema,
} from "./schemas.js";
