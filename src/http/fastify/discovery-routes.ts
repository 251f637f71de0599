import type { FastifyInstance } from "fastify";
import { GRANT_TYPES, JWKS_MAX_AGE_SECONDS } from "../../core/index.js";

/** Options for {@link registerDiscoveryRoutes}. */
export interface DiscoveryOptions {
  tokenPath: string;
}

/** GET /.well-known/jwks.json (RFC 7517) and /.well-known/oauth-authorization-server (RFC 8414). */
export function registerDiscoveryRoutes(app: FastifyInstance, options: DiscoveryOptions): void {
  app.get(
    "/.well-known/jwks.json",
    { schema: { summary: "Public signing keys", tags: ["discovery"] } },
    async (_request, reply) => {
      // Resource servers cache this; a rotated key appears within the max-age.
      reply.header("cache-control", `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
      return app.gatehouse.core.jwks();
    },
  );

  app.get(
    "/.well-known/oauth-authorization-server",
    { schema: { summary: "Authorization server metadata", tags: ["discovery"] } },
    async (request) => {
      const core = app.gatehouse.core;
      const base = `${request.protocol}://${request.host}`;
      return {
        issuer: core.options.issuer,
        token_endpoint: `${base}${options.tokenPath}`,
        jwks_uri: `${base}/.well-known/jwks.json`,
        revocation_endpoint: `${base}/revoke`,
        introspection_endpoint: `${base}/introspect`,
        grant_types_supported: GRANT_TYPES,
        response_types_supported: [],
        scopes_supported: Object.keys(core.scopes),
        token_endpoint_auth_methods_supported: ["none"],
        revocation_endpoint_auth_methods_supported: ["none"],
        introspection_endpoint_auth_methods_supported: ["bearer"],
      };
    },
  );
}
