import { randomUUID } from "node:crypto";
import type { Clock } from "../clock.js";
import type { KeyRing } from "../keys/key-ring.js";
import {
  type AccessTokenClaims,
  checkAccessTokenClaims,
  invalidToken,
  readTokenKid,
  verifySignedAccessToken,
} from "./access-token-claims.js";

export type { AccessTokenClaims } from "./access-token-claims.js";

/** RFC 9068 §2.1: the media type access tokens declare in `typ`. */
export const ACCESS_TOKEN_TYP = "at+jwt";

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
  clientId?: string;
  sessionId?: string;
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
  const policy = { issuer, audience, clockSkewSeconds: options.clockSkewSeconds };
  const cacheSize = options.cacheSize ?? 0;
  // Keyed by the whole token text: the same bytes under the same key ring verify the same way.
  // Only the signature and structure checks are skipped; claims (exp, nbf, iss…) run every time.
  const verified = new Map<string, { ring: KeyRing; payload: Record<string, unknown>; kidless: boolean }>();

  return {
    issue(request) {
      const ring = options.keys();
      const nowMs = clock.now();
      const claims: AccessTokenClaims = {
        iss: issuer,
        sub: request.subject,
        ...(audience === undefined ? {} : { aud: audience }),
        exp: Math.floor(nowMs / 1000) + ttlSeconds,
        iat: nowMs / 1000,
        jti: randomUUID(),
        scope: request.scopes.join(" "),
        ...(request.clientId === undefined ? {} : { client_id: request.clientId }),
        ...(request.sessionId === undefined ? {} : { sid: request.sessionId }),
      };
      const header = { alg: ring.current.key.algorithm, typ: ACCESS_TOKEN_TYP, kid: ring.current.key.kid };
      return { token: ring.current.sign(header, { ...claims }), claims, expiresIn: ttlSeconds };
    },

    verify(token) {
      const ring = options.keys();
      const hit = verified.get(token);
      if (hit !== undefined && hit.ring === ring) {
        try {
          return checkAccessTokenClaims(hit.payload, policy, hit.kidless, clock.now());
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
      const claims = verifySignedAccessToken(capture, token, kidless, policy, clock.now());
      if (cacheSize > 0) {
        if (verified.size >= cacheSize) verified.delete(verified.keys().next().value as string);
        verified.set(token, { ring, payload, kidless });
      }
      return claims;
    },
  };
}
