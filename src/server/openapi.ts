import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import type { Gatehouse } from "../core/index.js";
import { SECURITY_SCHEME } from "../http/fastify/index.js";

/**
 * OpenAPI 3.1 at /openapi.json with an OAuth2 password-flow scheme listing every scope, and
 * Swagger UI at /docs served from the package (no CDN), whose Authorize button logs in.
 */
export async function registerOpenApi(app: FastifyInstance, gatehouse: Gatehouse, tokenPath: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Gatehouse",
        version: "0.1.0",
        description: "OAuth2 password grant with JWT bearer tokens. Use Authorize to log in, then try the routes.",
      },
      components: {
        securitySchemes: {
          [SECURITY_SCHEME]: {
            type: "oauth2",
            flows: { password: { tokenUrl: tokenPath, scopes: { ...gatehouse.scopes } } },
          },
        },
      },
    },
  });
  await app.register(swaggerUi, {
    routePrefix: "/docs",
    uiConfig: { persistAuthorization: false, displayRequestDuration: true },
  });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
}
