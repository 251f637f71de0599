import { createHash, randomUUID } from "node:crypto";
import type { Clock } from "../clock.js";
import type { KeyRing } from "../keys/key-ring.js";
import {
  ACCESS_TOKEN_TYP,
  type AccessTokenClaims,
  checkClaimTimes,
  invalidToken,
  readTokenKid,
  verifySignedAccessToken,
} from "./access-token-claims.js";

export type { AccessTokenClaims } from "./access-token-claims.js";
// Defined with the claim checks, which the remote verifier loads without this file's node:crypto.
export { ACCESS_TOKEN_TYP };

/** RFC 9068 §2.2 requires `client_id`: the one a token request named none gets (Swagger UI, curl, the seed's frontends). */
export const DEFAULT_CLIENT_ID = "gatehouse";

/** A freshly issued access token. */
export interface IssuedAccessToken {
  token: string;
  claims: AccessTokenClaims;
  expiresIn: number;
}

/** What to put into a new access token. */
export interface AccessTokenRequest {
  subject: string;
  scopes: readonly string[];
  /** Absent: {@link DEFAULT_CLIENT_ID}. */
  clientId?: string;
  sessionId?: string;
  /** When the user logged in, in milliseconds; becomes `auth_time` in whole seconds. */
  authTime?: number;
  /** RFC 8176 authentication methods of the login. */
  amr?: readonly string[];
  /** Extra claims (from the custom claims hook, already checked); registered claims always win. */
  claims?: Readonly<Record<string, unknown>>;
}

/** Options for {@link createAccessTokenService}. */
export interface AccessTokenServiceOptions {
  keys: () => KeyRing;
  issuer: string;
  /** When set, tokens carry it as `aud` and must carry it to verify. */
  audience?: string;
  ttlSeconds: number;
  /** Leeway for `exp`, `nbf` and `iat` against clocks of other machines. */
  clockSkewSeconds: number;
  clock: Clock;
  /** Tokens whose signature check may be skipped next time (claims are checked every time); 0 for none. */
  cacheSize?: number;
}

/** Issues and verifies access tokens; the one place algorithm pinning and claim checks live. */
export interface AccessTokenService {
  issue(request: AccessTokenRequest): IssuedAccessToken;
  /** @throws GatehouseError `invalid_token` for anything but a valid, current token. */
  verify(token: string): AccessTokenClaims;
}

/** Creates the access token service. */
export function createAccessTokenService(options: AccessTokenServiceOptions): AccessTokenService {
  const { issuer, audience, ttlSeconds, clock } = options;
  const policy = {
    issuer,
    audience,
    clockSkewSeconds: options.clockSkewSeconds,
    kidlessLifetimeSeconds: ttlSeconds,
  };
  const cacheSize = options.cacheSize ?? 0;
  // Keyed by the whole token text: the same bytes under the same key ring verify the same way,
  // to the same claims. A hit skips the signature and every check but the two that time can
  // change (expiry and not-before); the claims object is frozen, shared by every hit.
  const verified = new Map<string, { ring: KeyRing; claims: AccessTokenClaims }>();

  return {
    issue(request) {
      const ring = options.keys();
      // Whole seconds (RFC 7519 NumericDate as Hono and PyJWT check it): a fractional iat is
      // "in the future" to them until its second has passed. The exact login time is in the sid.
      const iat = Math.floor(clock.now() / 1000);
      const claims: AccessTokenClaims = {
        ...request.claims,
        iss: issuer,
        sub: request.subject,
        ...(audience === undefined ? {} : { aud: audience }),
        exp: iat + ttlSeconds,
        iat,
        jti: randomUUID(),
        scope: request.scopes.join(" "),
        client_id: request.clientId ?? DEFAULT_CLIENT_ID,
        ...(request.sessionId === undefined ? {} : { sid: request.sessionId }),
        ...(request.authTime === undefined ? {} : { auth_time: Math.floor(request.authTime / 1000) }),
        ...(request.amr === undefined ? {} : { amr: [...request.amr] }),
      };
      const signer = ring.signingKeyAt(clock.now());
      const header = { alg: signer.key.algorithm, typ: ACCESS_TOKEN_TYP, kid: signer.key.kid };
      return { token: signer.sign(header, { ...claims }), claims, expiresIn: ttlSeconds };
    },

    verify(token) {
      const ring = options.keys();
      const hit = verified.get(token);
      if (hit !== undefined && hit.ring === ring) {
        try {
          checkClaimTimes(hit.claims, policy.clockSkewSeconds, clock.now());
          return hit.claims;
        } catch (error) {
          verified.delete(token);
          throw error;
        }
      }
      const kid = readTokenKid(token);
      const active = kid === undefined ? ring.kidless : ring.find(kid);
      if (!active) throw invalidToken("unknown key");
      const kidless = kid === undefined;
      let payload: Record<string, unknown> = {};
      const capture = (candidate: string) => {
        payload = active.verify(candidate);
        return payload;
      };
      const claims = freezeClaims(
        withRevocationId(verifySignedAccessToken(capture, token, kidless, policy, clock.now()), token),
      );
      if (cacheSize > 0) {
        if (verified.size >= cacheSize) verified.delete(verified.keys().next().value as string);
        verified.set(token, { ring, claims });
      }
      return claims;
    },
  };
}

/**
 * A token without `jti` (the seed's FastAPI app makes no jti) is known by a digest of itself
 * instead, so `/revoke` and `/logout` can still take it back. Only a holder of the whole
 * token has the digest; equal bytes are the same token anyway.
 */
function withRevocationId(claims: AccessTokenClaims, token: string): AccessTokenClaims {
  if (claims.jti !== undefined) return claims;
  return { ...claims, jti: `sha256:${createHash("sha256").update(token).digest("base64url")}` };
}

/** Claims handed out to every caller of a cached token: frozen, so none can change them for the next. */
function freezeClaims(claims: AccessTokenClaims): AccessTokenClaims {
  if (claims.amr !== undefined) Object.freeze(claims.amr);
  return Object.freeze(claims);
}
