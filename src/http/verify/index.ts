/**
 * `gatehouse/verify`: verify Gatehouse access tokens in a resource server, offline from the
 * JWKS (or with a shared secret). Loads no password hasher, no database driver and no native
 * addon; `gatehouse/web` and `gatehouse/express` are built on it. Lint keeps it that way.
 * `errorReply` gives any other framework the same status, challenge and body as those.
 */

export type { GatehouseErrorCode } from "../../core/errors.js";
export { GatehouseError, isGatehouseError, MESSAGES } from "../../core/errors.js";
export type {
  JwksAlgorithm,
  JwksFetch,
  JwksVerifierOptions,
  RemoteVerifier,
  RemoteVerifierOptions,
  SharedSecretVerifierOptions,
} from "../../core/remote/remote-verifier.js";
export { createRemoteVerifier } from "../../core/remote/remote-verifier.js";
export type { AccessTokenClaims } from "../../core/tokens/access-token-claims.js";
export { extractBearerToken } from "../../core/tokens/bearer.js";
export { requireScopes } from "../../core/tokens/scopes.js";
export { hasSecondFactor, requireSecondFactor } from "../../core/tokens/second-factor.js";
export type { BearerRequirements, TokenVerifier, VerifiedToken } from "../../core/tokens/token-verifier.js";
export { authenticateBearer } from "../../core/tokens/token-verifier.js";
export type { ErrorReply, ErrorSite, ValidationIssue } from "../error-reply.js";
export { errorReply } from "../error-reply.js";
