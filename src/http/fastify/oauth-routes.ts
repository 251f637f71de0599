import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type Gatehouse, GatehouseError, isGatehouseError } from "../../core/index.js";
import { AT_TOKEN_ENDPOINT } from "../error-reply.js";
import { isFormContentType, parseFormFields, parseTokenForm } from "../token-form.js";
import { auditContext } from "./audit-context.js";
import { type AuthHooks, sendGatehouseError } from "./auth-hooks.js";
import {
  IntrospectionSchema,
  MfaRequiredSchema,
  OAuthErrorSchema,
  securityRequirement,
  TokenFormSchema,
  TokenResponseSchema,
} from "./schemas.js";

/** Largest body of the form endpoints; a real token request is a few hundred bytes. */
export const TOKEN_BODY_LIMIT = 16 * 1024;

/** Options for {@link registerOAuthRoutes}. */
export interface OAuthRoutesOptions {
  gatehouse: Gatehouse;
  hooks: AuthHooks;
  tokenPath: string;
}

const TOKEN_FIELD_LIMITS = { token: 8192, token_type_hint: 64 } as const;
// The body is parsed and checked by token-form.ts; route schemas only document it.
const acceptAnyBody = () => () => true;

/**
 * The form-encoded OAuth endpoints: POST /token (RFC 6749), /revoke (RFC 7009) and
 * /introspect (RFC 7662). They live in an encapsulated context of their own, so their body
 * parsing (any content type read as a bounded string, then checked) replaces no parser of
 * the app they are added to.
 */
export async function registerOAuthRoutes(app: FastifyInstance, options: OAuthRoutesOptions): Promise<void> {
  await app.register(async (oauthRoutes) => addOAuthRoutes(oauthRoutes, options));
}

async function addOAuthRoutes(app: FastifyInstance, options: OAuthRoutesOptions): Promise<void> {
  const { gatehouse, hooks } = options;
  // Only in this context (see registerOAuthRoutes): the host app keeps its own parsers.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string", bodyLimit: TOKEN_BODY_LIMIT }, (_request, body, done) => {
    done(null, body);
  });

  app.post(
    options.tokenPath,
    {
      bodyLimit: TOKEN_BODY_LIMIT,
      validatorCompiler: acceptAnyBody,
      schema: {
        summary: "Log in: exchange a password or a refresh token for tokens",
        tags: ["auth"],
        consumes: ["application/x-www-form-urlencoded"],
        body: TokenFormSchema,
        response: { 200: TokenResponseSchema, 400: OAuthErrorSchema, 403: MfaRequiredSchema },
      },
    },
    async (request, reply) => {
      reply.header("cache-control", "no-store");
      reply.header("pragma", "no-cache");
      let grant = "unknown";
      try {
        const form = parseTokenForm(formBody(request), request.headers.authorization);
        grant = form.request.grant_type || "password";
        const userAgent = request.headers["user-agent"];
        const response = await gatehouse.handleTokenRequest(form.request, {
          clientAddress: request.ip,
          ...(form.clientId === undefined ? {} : { clientId: form.clientId }),
          ...(userAgent === undefined ? {} : { userAgent }),
        });
        request.grantOutcome = { grant, outcome: "success" };
        return reply.code(200).send(response);
      } catch (error) {
        request.grantOutcome = { grant, outcome: isGatehouseError(error) ? error.code : "error" };
        return sendGatehouseError(reply, error, AT_TOKEN_ENDPOINT);
      }
    },
  );

  app.post(
    "/revoke",
    {
      bodyLimit: TOKEN_BODY_LIMIT,
      validatorCompiler: acceptAnyBody,
      schema: {
        summary: "Revoke a refresh or access token (RFC 7009); always 200 for a well-formed request",
        tags: ["auth"],
        consumes: ["application/x-www-form-urlencoded"],
      },
    },
    (request, reply) =>
      tokenFormEndpoint(request, reply, async (token, hint) => {
        // The holder of a token revokes it: no bearer, so the actor is the token's own user.
        await gatehouse.revokeToken(token, hint, auditContext(request, "self"));
        return reply.code(200).send();
      }),
  );

  app.post(
    "/introspect",
    {
      bodyLimit: TOKEN_BODY_LIMIT,
      validatorCompiler: acceptAnyBody,
      onRequest: hooks.requireActiveUser(["admin"]),
      schema: {
        summary: "Introspect a token (RFC 7662); needs an admin token",
        tags: ["auth"],
        consumes: ["application/x-www-form-urlencoded"],
        security: securityRequirement(["admin"]),
        response: { 200: IntrospectionSchema, 400: OAuthErrorSchema },
      },
    },
    (request, reply) =>
      tokenFormEndpoint(request, reply, async (token) => reply.code(200).send(await gatehouse.introspect(token))),
  );
}

function formBody(request: FastifyRequest): string {
  if (!isFormContentType(request.headers["content-type"])) {
    throw new GatehouseError("invalid_request", "The body must be application/x-www-form-urlencoded");
  }
  return typeof request.body === "string" ? request.body : "";
}

async function tokenFormEndpoint(
  request: FastifyRequest,
  reply: FastifyReply,
  handle: (token: string, hint: string | undefined) => Promise<FastifyReply>,
): Promise<FastifyReply> {
  reply.header("cache-control", "no-store");
  try {
    const form = parseFormFields(formBody(request), TOKEN_FIELD_LIMITS);
    if (form.token === undefined || form.token === "") {
      throw new GatehouseError("invalid_request", "The token parameter is required");
    }
    return await handle(form.token, form.token_type_hint);
  } catch (error) {
    return sendGatehouseError(reply, error, AT_TOKEN_ENDPOINT);
  }
}
