import { randomUUID } from "node:crypto";
import type { Clock } from "./clock.js";
import { GatehouseError, INVALID_CREDENTIALS } from "./errors.js";
import type { KeyRing } from "./key-ring.js";

/** RFC 9068 §2.1: the media type access tokens declare in `typ`. */
export const ACCESS_TOKEN_TYP = "at+jwt";

/** The claims of a Gatehouse access token (RFC 9068 §2.2). */
export interface AccessTokenClaims {
  iss?: string;
  sub: string;
  aud?: string | string[];
  /** Seconds since the epoch. */
  exp: number;
  /** Seconds since the epoch, with milliseconds as a fraction (RFC 7519 NumericDate). */
  iat: number;
  nbf?: number;
  jti?: string;
  /** Space-separated granted scopes. */
  scope: string;
  client_id?: string;
  /** The login session (refresh-token family) this token descends from. */
  sid?: string;
}

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
}

/** Issues and verifies access tokens; the one place algorithm pinning and claim checks live. */
export interface AccessTokenService {
  issue(request: AccessTokenRequest): IssuedAccessToken;
  /** @throws GatehouseError `invalid_token` for anything but a valid, current token. */
  verify(token: string): AccessTokenClaims;
}

const MAX_SUBJECT_LENGTH = 256;

/** Creates the access token service. */
export function createAccessTokenService(options: AccessTokenServiceOptions): AccessTokenService {
  const { issuer, audience, ttlSeconds, clock } = options;
  const skewMs = options.clockSkewSeconds * 1000;

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
      const kid = readKid(token);
      const active = kid === undefined ? ring.legacy : ring.find(kid);
      if (!active) throw invalidToken("unknown key");
      let payload: Record<string, unknown>;
      try {
        payload = active.verify(token);
      } catch (cause) {
        throw invalidToken("signature or header rejected", cause);
      }
      return checkClaims(payload, kid === undefined, clock.now());
    },
  };

  function checkClaims(payload: Record<string, unknown>, legacy: boolean, nowMs: number): AccessTokenClaims {
    const { sub, exp, iat, nbf, iss, aud, jti, scope, client_id, sid } = payload;
    if (typeof sub !== "string" || sub.length === 0 || sub.length > MAX_SUBJECT_LENGTH) throw invalidToken("bad sub");
    if (!isNumericDate(exp)) throw invalidToken("missing exp");
    if (nowMs > exp * 1000 + skewMs) throw invalidToken("expired");
    if (nbf !== undefined && (!isNumericDate(nbf) || nowMs < nbf * 1000 - skewMs)) throw invalidToken("not yet valid");
    // Legacy (PyJWT) tokens may lack iat, iss and jti; ours always carry them.
    if (iat !== undefined || !legacy) {
      if (!isNumericDate(iat) || iat * 1000 > nowMs + skewMs) throw invalidToken("bad iat");
    }
    if (iss !== undefined || !legacy) {
      if (iss !== issuer) throw invalidToken("wrong issuer");
    }
    if (!audienceMatches(aud)) throw invalidToken("wrong audience");
    if (jti !== undefined || !legacy) {
      if (typeof jti !== "string" || jti.length === 0 || jti.length > 128) throw invalidToken("bad jti");
    }
    if (scope !== undefined && typeof scope !== "string") throw invalidToken("bad scope");
    if (client_id !== undefined && typeof client_id !== "string") throw invalidToken("bad client_id");
    if (sid !== undefined && typeof sid !== "string") throw invalidToken("bad sid");
    return {
      sub,
      exp,
      iat: isNumericDate(iat) ? iat : 0,
      scope: scope ?? "",
      ...(typeof iss === "string" ? { iss } : {}),
      ...(aud === undefined ? {} : { aud: aud as string | string[] }),
      ...(isNumericDate(nbf) ? { nbf } : {}),
      ...(typeof jti === "string" ? { jti } : {}),
      ...(typeof client_id === "string" ? { client_id } : {}),
      ...(typeof sid === "string" ? { sid } : {}),
    };
  }

  function audienceMatches(aud: unknown): boolean {
    // A token addressed to someone while we have no audience is not for us either.
    if (audience === undefined) return aud === undefined;
    if (typeof aud === "string") return aud === audience;
    return Array.isArray(aud) && aud.length <= 16 && aud.includes(audience);
  }
}

function isNumericDate(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

function invalidToken(reason: string, cause?: unknown): GatehouseError {
  return new GatehouseError("invalid_token", INVALID_CREDENTIALS, { cause: cause ?? new Error(reason) });
}

/** Reads `kid` from the protected header without trusting anything else in it. */
function readKid(token: string): string | undefined {
  const dot = token.indexOf(".");
  if (dot <= 0 || dot > 2048) throw invalidToken("malformed");
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(token.slice(0, dot), "base64url").toString("utf8"));
  } catch (cause) {
    throw invalidToken("malformed header", cause);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) throw invalidToken("malformed header");
  const kid = (header as Record<string, unknown>).kid;
  if (kid === undefined) return undefined;
  if (typeof kid !== "string" || kid.length === 0 || kid.length > 128) throw invalidToken("bad kid");
  return kid;
}
