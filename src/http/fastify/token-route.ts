import type { FastifyInstance } from "fastify";
import { type Gatehouse, GatehouseError } from "../../core/index.js";
import { isFormContentType, parseTokenForm } from "../token-form.js";
import { sendGatehouseError } from "./auth-hooks.js";
import { OAuthErrorSchema, TokenFormSchema, TokenResponseSchema } from "./schemas.js";

/** Largest token request body; a real one is a few hundred bytes. */
export const TOKEN_BODY_LIMIT = 16 * 1024;

/** Options for {@link registerTokenRoute}. */
export interface TokenRouteOptions {
  gatehouse: Gatehouse;
  path: string;
}

/**
 * POST /token (RFC 6749 §4.3 and §6). Registered in its own encapsulated context so its
 * body parsing (any content type read as a bounded string, then checked) cannot clash
 * with the host app's parsers.
 */
export async function registerTokenRoute(app: FastifyInstance, options: TokenRouteOptions): Promise<void> {
  const { gatehouse } = options;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string", bodyLimit: TOKEN_BODY_LIMIT }, (_request, body, done) => {
    done(null, body);
  });

  app.post(
    options.path,
    {
      bodyLimit: TOKEN_BODY_LIMIT,
      schema: {
        summary: "Log in: exchange credentials or a refresh token for tokens",
        tags: ["auth"],
        consumes: ["application/x-www-form-urlencoded"],
        body: TokenFormSchema,
        response: { 200: TokenResponseSchema, 400: OAuthErrorSchema },
      },
      // The body is parsed and checked by token-form.ts; the schema above only documents it.
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      reply.header("cache-control", "no-store");
      reply.header("pragma", "no-cache");
      try {
        if (!isFormContentType(request.headers["content-type"])) {
          throw new GatehouseError("invalid_request", "The body must be application/x-www-form-urlencoded");
        }
        const form = parseTokenForm(
          typeof request.body === "string" ? request.body : "",
          request.headers.authorization,
        );
        const response = await gatehouse.handleTokenRequest(form.request, {
          clientAddress: request.ip,
          ...(form.clientId === undefined ? {} : { clientId: form.clientId }),
        });
        return reply.code(200).send(response);
      } catch (error) {
        return sendGatehouseError(reply, error, true);
      }
    },
  );
}
