import type { FastifyInstance } from "fastify";
import { GRANT_TYPES } from "../../core/index.js";

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
      // Resource servers cache this; a new key is published this long before it signs.
      reply.header("cache-control", `public, max-age=${app.gatehouse.core.options.jwksMaxAge}`);
      return app.gatehouse.core.jwks();
    },
  );

  const core = app.gatehouse.core;
  const { issuer } = core.options;
  // Every URL comes from the configured issuer, never from the request: a Host header is the
  // client's to choose, and metadata built from it would send the next client elsewhere.
  const base = issuer.replace(/\/+$/, "");
  const metadata = {
    issuer,
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
  // RFC 8414 §3.1: an issuer with a path has its metadata at the well-known path plus that path.
  const issuerPath = new URL(issuer).pathname.replace(/\/+$/, "");
  const paths = ["/.well-known/oauth-authorization-server"];
  if (issuerPath !== "") paths.push(`/.well-known/oauth-authorization-server${issuerPath}`);
  for (const path of paths) {
    app.get(path, { schema: { summary: "Authorization server metadata", tags: ["discovery"] } }, async () => metadata);
  }
}
