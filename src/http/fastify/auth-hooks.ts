import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from "fastify";
import {
  authenticateBearer,
  type Gatehouse,
  gatehouseVerifier,
  isGatehouseError,
  type Principal,
  type TokenVerifier,
} from "../../core/index.js";
import { type ErrorSite, errorReply } from "../error-reply.js";

/** Sends a core error as the contract's reply; rethrows anything else for the app's error handler. */
export function sendGatehouseError(reply: FastifyReply, error: unknown, site: ErrorSite): FastifyReply {
  if (!isGatehouseError(error)) throw error;
  const { status, headers, body } = errorReply(error, site);
  return reply.code(status).headers(headers).send(body);
}

/**
 * An onRequest hook (it needs no body, so it refuses before one is read) that authenticates
 * the bearer token and sets `request.user` and `request.principal`, or replies with the
 * RFC 6750 error itself.
 */
function bearerHook(verifier: TokenVerifier<Principal>, scopes: readonly string[]): onRequestAsyncHookHandler {
  const required = [...scopes];
  const site: ErrorSite = { endpoint: "resource", requiredScopes: required };
  return async function requireBearer(request: FastifyRequest, reply: FastifyReply) {
    try {
      const principal = await authenticateBearer(verifier, request.headers.authorization, required);
      request.principal = principal;
      request.user = principal.user;
      request.authOutcome = "valid";
    } catch (error) {
      request.authOutcome = isGatehouseError(error) ? error.code : "error";
      return sendGatehouseError(reply, error, site);
    }
  };
}

/** The hooks an app puts on its routes. */
export interface AuthHooks {
  /** Any valid token of an existing user (the seed's `get_current_user`). */
  requireUser(scopes?: readonly string[]): onRequestAsyncHookHandler;
  /** A valid token of an enabled user (the seed's `get_current_active_user`). */
  requireActiveUser(scopes?: readonly string[]): onRequestAsyncHookHandler;
}

/** Creates the hooks for one Gatehouse. */
export function createAuthHooks(gatehouse: Gatehouse): AuthHooks {
  const anyUser = gatehouseVerifier(gatehouse, { allowInactive: true });
  const activeUser = gatehouseVerifier(gatehouse);
  // A route needing a scope the server does not know would refuse everyone: say so at registration.
  const known = (scopes: readonly string[]) => {
    const unknown = scopes.filter((name) => !Object.hasOwn(gatehouse.scopes, name));
    if (unknown.length > 0) {
      throw new TypeError(
        `a route requires the unknown scope ${unknown.join(", ")}; declare it with the scopes option (GATEHOUSE_SCOPES)`,
      );
    }
    return scopes;
  };
  return {
    requireUser: (scopes = []) => bearerHook(anyUser, known(scopes)),
    requireActiveUser: (scopes = []) => bearerHook(activeUser, known(scopes)),
  };
}
