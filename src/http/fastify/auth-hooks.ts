import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from "fastify";
import {
  extractBearerToken,
  type Gatehouse,
  GatehouseError,
  isGatehouseError,
  type Principal,
} from "../../core/index.js";
import { errorReply } from "../error-reply.js";

/** Sends a core error as the contract's reply; rethrows anything else for the app's error handler. */
export function sendGatehouseError(reply: FastifyReply, error: unknown, atTokenEndpoint: boolean): FastifyReply {
  if (!isGatehouseError(error)) throw error;
  const { status, headers, body } = errorReply(error, atTokenEndpoint);
  return reply.code(status).headers(headers).send(body);
}

type Resolver = (token: string, scopes: readonly string[]) => Promise<Principal>;

/**
 * An onRequest hook that authenticates the bearer token and sets `request.user` and
 * `request.principal`, or replies with the RFC 6750 error itself.
 */
function bearerPreHandler(resolve: Resolver, scopes: readonly string[]): onRequestAsyncHookHandler {
  const required = [...scopes];
  return async function requireBearer(request: FastifyRequest, reply: FastifyReply) {
    try {
      const principal = await resolve(extractBearerToken(request.headers.authorization), required);
      request.principal = principal;
      request.user = principal.user;
      request.authOutcome = "valid";
    } catch (error) {
      request.authOutcome = isGatehouseError(error) ? error.code : "error";
      request.log.debug({ code: isGatehouseError(error) ? error.code : "unexpected" }, "bearer authentication failed");
      return sendGatehouseError(reply, withRequiredScopes(error, required), false);
    }
  };
}

/**
 * A malformed credential (oversized, characters outside RFC 6750's b64token) fails in the
 * extractor, which knows no scopes; its challenge names the route's scopes like any other.
 */
function withRequiredScopes(error: unknown, required: readonly string[]): unknown {
  if (!isGatehouseError(error, "invalid_token") || error.requiredScopes.length > 0 || required.length === 0)
    return error;
  return new GatehouseError("invalid_token", error.message, { requiredScopes: required, cause: error });
}

/** The preHandlers an app puts on its routes. */
export interface AuthHooks {
  /** Any valid token of an existing user (the seed's `get_current_user`). */
  requireUser(scopes?: readonly string[]): onRequestAsyncHookHandler;
  /** A valid token of an enabled user (the seed's `get_current_active_user`). */
  requireActiveUser(scopes?: readonly string[]): onRequestAsyncHookHandler;
}

/** Creates the preHandlers for one Gatehouse. */
export function createAuthHooks(gatehouse: Gatehouse): AuthHooks {
  const currentUser: Resolver = (token, scopes) => gatehouse.currentUser(token, scopes);
  const currentActiveUser: Resolver = (token, scopes) => gatehouse.currentActiveUser(token, scopes);
  return {
    requireUser: (scopes = []) => bearerPreHandler(currentUser, scopes),
    requireActiveUser: (scopes = []) => bearerPreHandler(currentActiveUser, scopes),
  };
}
