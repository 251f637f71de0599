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
function bearerHook(
  verifier: TokenVerifier<Principal>,
  scopes: readonly string[],
  mfa: boolean,
): onRequestAsyncHookHandler {
  const required = [...scopes];
  const site: ErrorSite = { endpoint: "resource", requiredScopes: required };
  return async function requireBearer(request: FastifyRequest, reply: FastifyReply) {
    try {
      const principal = await authenticateBearer(verifier, request.headers.authorization, required, { mfa });
      request.principal = principal;
      request.user = principal.user;
      request.authOutcome = "valid";
    } catch (error) {
      request.authOutcome = isGatehouseError(error) ? error.code : "error";
      return sendGatehouseError(reply, error, site);
    }
  };
}

/** What a route demands beyond scopes. */
export interface RouteAuthOptions {
  /**
   * The token's login passed a second factor; otherwise 401 with RFC 9470's
   * `insufficient_user_authentication` challenge. Default: true for routes needing `admin`
   * when the Gatehouse's `mfa` is `required`, false otherwise.
   */
  mfa?: boolean;
  /** Also accept the enrolment-only token (the second-factor enrolment routes use this). */
  enrolment?: boolean;
}

/** The hooks an app puts on its routes. */
export interface AuthHooks {
  /** Any valid token of an existing user (the seed's `get_current_user`). */
  requireUser(scopes?: readonly string[], options?: RouteAuthOptions): onRequestAsyncHookHandler;
  /**
   * A valid token of an enabled user (the seed's `get_current_active_user`).
   * @example
   * app.delete("/account", { onRequest: app.gatehouse.requireActiveUser(["me"], { mfa: true }) }, handler);
   */
  requireActiveUser(scopes?: readonly string[], options?: RouteAuthOptions): onRequestAsyncHookHandler;
}

/** Creates the hooks for one Gatehouse. */
export function createAuthHooks(gatehouse: Gatehouse): AuthHooks {
  const anyUser = gatehouseVerifier(gatehouse, { allowInactive: true });
  const activeUser = gatehouseVerifier(gatehouse);
  const enrolling: TokenVerifier<Principal> = {
    verify: (token, scopes) => gatehouse.currentActiveUser(token, scopes, { enrolment: true }),
  };
  const needsMfa = (scopes: readonly string[], options: RouteAuthOptions) =>
    options.mfa ?? (gatehouse.options.mfa === "required" && scopes.includes("admin"));
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
    requireUser: (scopes = [], options = {}) => bearerHook(anyUser, known(scopes), needsMfa(scopes, options)),
    requireActiveUser: (scopes = [], options = {}) =>
      bearerHook(options.enrolment === true ? enrolling : activeUser, known(scopes), needsMfa(scopes, options)),
  };
}
