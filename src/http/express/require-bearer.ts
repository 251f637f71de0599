import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { PublicUser } from "../../core/users/user.js";
import { errorReply } from "../error-reply.js";
import { authenticateBearer, isGatehouseError, type TokenVerifier, type VerifiedToken } from "../verify/index.js";

/** What `requireBearer` puts on `req.auth`: claims and scopes, plus the user when a local Gatehouse verified. */
export type BearerAuth = VerifiedToken & { user?: PublicUser };

declare global {
  // Express types its request through this global namespace; merging is how `req.auth` gets a type.
  namespace Express {
    interface Request {
      /** Set by `requireBearer` once the bearer token verified. */
      auth?: BearerAuth;
    }
  }
}

/** Options for {@link requireBearer}. */
export interface RequireBearerOptions {
  /** Scopes the route needs; a token lacking one gets 403 `insufficient_scope`. */
  scopes?: readonly string[];
  /** The token's login must have passed a second factor (`amr`); 401 `insufficient_user_authentication` otherwise. */
  mfa?: boolean;
}

/**
 * Express middleware for a resource server: verifies the `Authorization: Bearer` token, sets
 * `req.auth`, or replies with the same RFC 6750 status, challenge and JSON body as the
 * Fastify plugin. Errors that are not Gatehouse's go to `next(error)`.
 * @example
 * const verifier = createRemoteVerifier({
 *   jwksUrl: "https://auth.example.com/.well-known/jwks.json",
 *   issuer: "https://auth.example.com",
 * });
 * app.get("/orders", requireBearer(verifier, { scopes: ["orders"] }), (req, res) => {
 *   res.json({ owner: req.auth?.claims.sub });
 * });
 */
export function requireBearer(verifier: TokenVerifier, options: RequireBearerOptions = {}): RequestHandler {
  const scopes = [...(options.scopes ?? [])];
  const requirements = { mfa: options.mfa === true };

  const authenticate = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    let auth: BearerAuth;
    try {
      auth = await authenticateBearer(verifier, req.headers.authorization, scopes, requirements);
    } catch (error) {
      if (!isGatehouseError(error)) return next(error);
      const { status, headers, body } = errorReply(error, { endpoint: "resource", requiredScopes: scopes });
      res.status(status).set(headers).json(body);
      return;
    }
    req.auth = auth;
    next();
  };

  // Express 4 ignores returned promises, so failures are routed to next() here for both majors.
  return (req, res, next) => {
    authenticate(req, res, next).catch(next);
  };
}
