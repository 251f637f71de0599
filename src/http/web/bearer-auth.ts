import { errorReply } from "../error-reply.js";
import { authenticateBearer, isGatehouseError, type TokenVerifier, type VerifiedToken } from "../verify/index.js";

/** Options for {@link bearerAuth}. */
export interface BearerAuthOptions {
  /** Scopes the resource needs; a token lacking one gets 403 `insufficient_scope`. */
  scopes?: readonly string[];
  /** The token's login must have passed a second factor (`amr`); 401 `insufficient_user_authentication` otherwise. */
  mfa?: boolean;
}

/** The outcome of {@link bearerAuth}: the verified principal, or the reply to send instead. */
export type BearerAuthResult<P extends VerifiedToken = VerifiedToken> =
  | { ok: true; auth: P }
  | { ok: false; response: Response };

/**
 * Authenticates a fetch-API `Request` (Hono, Bun, Deno, Workers): the verified principal, or a
 * `Response` with the same RFC 6750 status, challenge and JSON body as the Fastify plugin.
 * Errors that are not Gatehouse's are rethrown for the runtime's own error handling.
 * @example
 * const authorize = bearerAuth(createRemoteVerifier({ jwksUrl, issuer }), { scopes: ["me"] });
 * export default {
 *   async fetch(request: Request) {
 *     const result = await authorize(request);
 *     if (!result.ok) return result.response;
 *     return Response.json({ hello: result.auth.claims.sub });
 *   },
 * };
 */
export function bearerAuth<P extends VerifiedToken>(
  verifier: TokenVerifier<P>,
  options: BearerAuthOptions = {},
): (request: Request) => Promise<BearerAuthResult<P>> {
  const scopes = [...(options.scopes ?? [])];
  const requirements = { mfa: options.mfa === true };
  return async (request) => {
    try {
      const auth = await authenticateBearer(verifier, request.headers.get("authorization"), scopes, requirements);
      return { ok: true, auth };
    } catch (error) {
      if (!isGatehouseError(error)) throw error;
      const { status, headers, body } = errorReply(error, { endpoint: "resource", requiredScopes: scopes });
      const response = new Response(JSON.stringify(body), {
        status,
        headers: { ...headers, "content-type": "application/json; charset=utf-8" },
      });
      return { ok: false, response };
    }
  };
}
