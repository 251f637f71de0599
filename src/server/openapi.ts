import { STATUS_CODES } from "node:http";
import swagger, { type SwaggerTransformObject } from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import type { Gatehouse } from "../core/index.js";
import { SECURITY_SCHEME } from "../http/fastify/index.js";
import { addProfileToDocument } from "./openapi-profile.js";

/**
 * The Content-Security-Policy of /docs: everything from this origin only (Swagger UI is
 * served from the package, the logo is a data: URL), and "Try it out" and Authorize may
 * only call this server. No `upgrade-insecure-requests` (the package's default has it), so
 * the docs keep working over plain HTTP on a host other than localhost. Inline styles stay
 * allowed: Swagger UI renders some of its markup with style attributes.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "base-uri 'none'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'self'",
  "img-src 'self' data:",
  "manifest-src 'self'",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
].join("; ");

/**
 * The docs page's introduction. Swagger UI's Authorize speaks the plain password flow only, so
 * it says how a user with a second factor logs in instead.
 */
const DOCS_DESCRIPTION = [
  "OAuth2 password grant with JWT bearer tokens. Use Authorize to log in, then try the routes.",
  "",
  "**Second factor:** Authorize cannot do the second step of a login. For a user with a second " +
    "factor, use *Try it out* on `POST /token` twice: first with `username` and `password` (the " +
    "answer is 403 `mfa_required` with an `mfa_token`), then with `grant_type` " +
    "`urn:gatehouse:grant-type:mfa-otp`, that `mfa_token` and the app's code in `otp` (or " +
    "`urn:gatehouse:grant-type:mfa-recovery-code` with `recovery_code`). Call the routes with the " +
    "`access_token` it returns, for instance with curl: `curl -H 'Authorization: Bearer TOKEN' …/users/me`.",
].join("\n");

/** What a response means, for routes whose schema gives no description (FastAPI's wording for 200 and 422). */
const RESPONSE_DESCRIPTIONS: Record<string, string> = {
  "200": "Successful Response",
  "201": "Created",
  "204": "No Content",
  "400": "Bad Request",
  "401": "Not authenticated, or the token is invalid, expired or revoked",
  "403": "Not enough permissions: the token lacks a required scope",
  "404": "Not Found",
  "409": "Conflict",
  "413": "Request body is too large",
  "415": "Unsupported media type",
  "422": "Validation Error",
  "429": "Too many failed attempts: retry after the Retry-After header's seconds",
  "503": "Service Unavailable",
};

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
        description: DOCS_DESCRIPTION,
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
    transformObject: (document) => {
      const openapi = describeResponses(document);
      addProfileToDocument(openapi as Record<string, unknown>, gatehouse.profileFields);
      return openapi;
    },
  });
  await app.register(swaggerUi, {
    routePrefix: "/docs",
    staticCSP: DOCS_CSP,
    theme: { title: "Gatehouse API docs" },
    uiConfig: { persistAuthorization: false, displayRequestDuration: true },
  });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
}

/** Replaces @fastify/swagger's placeholder "Default Response" with what the status means. */
const describeResponses: SwaggerTransformObject = (document) => {
  if (!("openapiObject" in document)) return document.swaggerObject;
  const openapi = document.openapiObject;
  for (const pathItem of Object.values(openapi.paths ?? {})) {
    for (const operation of Object.values(pathItem ?? {})) {
      if (typeof operation !== "object" || operation === null || !("responses" in operation)) continue;
      const responses: unknown = operation.responses;
      if (typeof responses !== "object" || responses === null) continue;
      for (const [status, response] of Object.entries(responses)) {
        if (isPlaceholder(response))
          response.description = RESPONSE_DESCRIPTIONS[status] ?? STATUS_CODES[status] ?? status;
      }
    }
  }
  return openapi;
};

function isPlaceholder(response: unknown): response is { description: string } {
  return (
    typeof response === "object" &&
    response !== null &&
    "description" in response &&
    response.description === "Default Response"
  );
}
