import { GatehouseError, MESSAGES } from "../errors.js";
import type { KeyVerifier } from "../keys/key-ring.js";
import { decodeSegmentText, hasDuplicateMembers, isCanonicalCompactJws, readPayloadText } from "./jws-parse.js";

/** RFC 9068 §2.1: the media type access tokens declare in `typ`. */
export const ACCESS_TOKEN_TYP = "at+jwt";

/** The claims of a Gatehouse access token (RFC 9068 §2.2). */
export interface AccessTokenClaims {
  iss?: string;
  sub: string;
  aud?: string | string[];
  /** Seconds since the epoch. */
  exp: number;
  /**
   * Seconds since the epoch; whole seconds in Gatehouse's tokens (strict verifiers refuse a
   * fractional `iat` within its second). For a kid-less token without one, `exp` minus the
   * access token TTL.
   */
  iat: number;
  nbf?: number;
  jti?: string;
  /** Space-separated granted scopes. */
  scope: string;
  client_id?: string;
  /** The login session (refresh-token family) this token descends from. */
  sid?: string;
  /** When the user logged in (OpenID Connect Core §2), whole seconds. */
  auth_time?: number;
  /** RFC 8176 authentication methods of the login: `["pwd"]`, or `["pwd", "otp"]` / `["pwd", "mfa"]`. */
  amr?: string[];
  /** Any other claim the token carries (the issuer's custom claims), as signed; unchecked. */
  [claim: string]: unknown;
}

/** Who must have issued a token, for whom, and how much clock difference to forgive. */
export interface AccessTokenClaimPolicy {
  issuer: string;
  /** When set, tokens must carry it in `aud`; when not, tokens must carry no `aud`. */
  audience?: string | undefined;
  /** Leeway for `exp`, `nbf` and `iat` against clocks of other machines. */
  clockSkewSeconds: number;
  /**
   * The access token TTL, to date a kid-less token without `iat` (the seed's FastAPI app makes
   * those) at `exp` minus it; such a token claiming to live longer is refused. Absent: `iat` 0.
   */
  kidlessLifetimeSeconds?: number | undefined;
}

const MAX_SUBJECT_LENGTH = 256;
// The claims checked below; any other is handed on as it was signed (custom claims).
const CHECKED_CLAIMS = new Set([
  "sub",
  "exp",
  "nbf",
  "iat",
  "iss",
  "aud",
  "jti",
  "scope",
  "client_id",
  "sid",
  "auth_time",
]);
// No token outlives the longest access token TTL Gatehouse can be configured with (options.ts):
// an `exp` beyond it (`1e308`, the year 2286) marks a token that was never ours to honour.
const MAX_LIFETIME_MS = 366 * 24 * 3600 * 1000;

/**
 * Verifies a token with the key its header named and checks its claims: everything after
 * key lookup that every Gatehouse verifier (local or remote) must do alike.
 * @param kidless the token carried no `kid` (a PyJWT token made with a shared secret).
 * @throws GatehouseError `invalid_token` for a bad signature, header or claim.
 */
export function verifySignedAccessToken(
  verify: KeyVerifier,
  token: string,
  kidless: boolean,
  policy: AccessTokenClaimPolicy,
  nowMs: number,
): AccessTokenClaims {
  let payload: Record<string, unknown>;
  try {
    payload = verify(token);
  } catch (cause) {
    throw invalidToken("signature or header rejected", cause);
  }
  return checkSignedAccessToken(token, payload, kidless, policy, nowMs);
}

/**
 * The checks after a token's signature was verified, whoever verified it (fast-jwt in the
 * server, WebCrypto in the remote verifier): strict UTF-8, no claim named twice, the claims.
 * @param payload the payload the signature check decoded.
 * @throws GatehouseError `invalid_token` for a malformed payload or a bad claim.
 */
export function checkSignedAccessToken(
  token: string,
  payload: Record<string, unknown>,
  kidless: boolean,
  policy: AccessTokenClaimPolicy,
  nowMs: number,
): AccessTokenClaims {
  // After the signature, so only tokens signed with our key pay for decoding the payload twice.
  // The JWT library decoded it leniently (invalid bytes became U+FFFD); this decoding is strict.
  let text: string;
  try {
    text = readPayloadText(token);
  } catch (cause) {
    throw invalidToken("payload is not UTF-8", cause);
  }
  if (hasDuplicateMembers(text, payload)) throw invalidToken("duplicate claim");
  return checkAccessTokenClaims(payload, policy, kidless, nowMs);
}

/**
 * Checks the claims of a token whose signature was verified, the one claim check every
 * Gatehouse verifier (local or remote) runs.
 * @param kidless the token carried no `kid` (a PyJWT token made with a shared secret).
 * @throws GatehouseError `invalid_token` when any claim is missing, malformed or not for us.
 */
export function checkAccessTokenClaims(
  payload: Record<string, unknown>,
  policy: AccessTokenClaimPolicy,
  kidless: boolean,
  nowMs: number,
): AccessTokenClaims {
  const skewMs = policy.clockSkewSeconds * 1000;
  const { sub, exp, nbf, iss, aud, jti, scope, client_id, sid, auth_time, amr } = payload;
  let { iat } = payload;
  if (typeof sub !== "string" || sub.length === 0 || sub.length > MAX_SUBJECT_LENGTH) throw invalidToken("bad sub");
  if (!isNumericDate(exp)) throw invalidToken("missing exp");
  if (nowMs > exp * 1000 + skewMs) throw invalidToken("expired");
  if (exp * 1000 > nowMs + MAX_LIFETIME_MS + skewMs) throw invalidToken("exp too far in the future");
  if (nbf !== undefined && (!isNumericDate(nbf) || nowMs < nbf * 1000 - skewMs)) throw invalidToken("not yet valid");
  // Kid-less tokens (PyJWT, a shared secret) may lack iat, iss and jti; ours always carry them.
  // Without iat such a token counts as made one TTL before it expires, so invalidations apply to it.
  if (iat === undefined && kidless && policy.kidlessLifetimeSeconds !== undefined) {
    iat = exp - policy.kidlessLifetimeSeconds;
  }
  if (iat !== undefined || !kidless) {
    if (!isNumericDate(iat) || iat * 1000 > nowMs + skewMs) throw invalidToken("bad iat");
  }
  if (iss !== undefined || !kidless) {
    if (iss !== policy.issuer) throw invalidToken("wrong issuer");
  }
  if (!audienceMatches(aud, policy.audience)) throw invalidToken("wrong audience");
  if (jti !== undefined || !kidless) {
    if (typeof jti !== "string" || jti.length === 0 || jti.length > 128) throw invalidToken("bad jti");
  }
  if (scope !== undefined && typeof scope !== "string") throw invalidToken("bad scope");
  if (client_id !== undefined && typeof client_id !== "string") throw invalidToken("bad client_id");
  if (sid !== undefined && typeof sid !== "string") throw invalidToken("bad sid");
  if (auth_time !== undefined && !isNumericDate(auth_time)) throw invalidToken("bad auth_time");
  if (amr !== undefined && !isMethodList(amr)) throw invalidToken("bad amr");
  return {
    ...otherClaims(payload),
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
    ...(isNumericDate(auth_time) ? { auth_time } : {}),
    ...(isMethodList(amr) ? { amr: [...amr] } : {}),
  };
}

/**
 * The checks of {@link checkAccessTokenClaims} that time can change, for claims that passed it
 * before: expiry and not-before. (An `iat` in the future and an `exp` too far ahead were refused
 * then and only grow more acceptable.)
 * @throws GatehouseError `invalid_token` when the token has expired or is not valid yet.
 */
export function checkClaimTimes(claims: AccessTokenClaims, clockSkewSeconds: number, nowMs: number): void {
  const skewMs = clockSkewSeconds * 1000;
  if (nowMs > claims.exp * 1000 + skewMs) throw invalidToken("expired");
  if (claims.nbf !== undefined && nowMs < claims.nbf * 1000 - skewMs) throw invalidToken("not yet valid");
}

/** RFC 8176 §1: `amr` is an array of short method names. */
function isMethodList(value: unknown): value is string[] {
  return (
    Array.isArray(value) &&
    value.length <= 16 &&
    value.every((item) => typeof item === "string" && item.length > 0 && item.length <= 32)
  );
}

/**
 * Reads `kid` from the protected header without trusting anything else in it, after checking
 * the token is canonical base64url (jws-parse.ts) and its header names no parameter twice.
 * @throws GatehouseError `invalid_token` when the token or its header is malformed.
 */
export function readTokenKid(token: string): string | undefined {
  const dot = token.indexOf(".");
  if (dot <= 0 || dot > 2048 || !isCanonicalCompactJws(token)) throw invalidToken("malformed");
  let text: string;
  let header: unknown;
  try {
    text = decodeSegmentText(token.slice(0, dot));
    header = JSON.parse(text);
  } catch (cause) {
    throw invalidToken("malformed header", cause);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) throw invalidToken("malformed header");
  // `{"alg":"none","alg":"HS256"}`: which one a library reads is up to its JSON parser.
  if (hasDuplicateMembers(text, header)) throw invalidToken("duplicate header parameter");
  const kid = (header as Record<string, unknown>).kid;
  if (kid === undefined) return undefined;
  if (typeof kid !== "string" || kid.length === 0 || kid.length > 128) throw invalidToken("bad kid");
  return kid;
}

/** The error every failed verification gets; the reason stays in `cause`, never in the message. */
export function invalidToken(reason: string, cause?: unknown): GatehouseError {
  return new GatehouseError("invalid_token", MESSAGES.invalidToken, { cause: cause ?? new Error(reason) });
}

function otherClaims(payload: Record<string, unknown>): Record<string, unknown> {
  const others: Record<string, unknown> = {};
  for (const name of Object.keys(payload)) {
    // A JSON `__proto__` member is an own property of the payload; assigned here it would set a prototype.
    if (!CHECKED_CLAIMS.has(name) && name !== "__proto__") others[name] = payload[name];
  }
  return others;
}

function audienceMatches(aud: unknown, audience: string | undefined): boolean {
  // A token addressed to someone while we have no audience is not for us either.
  if (audience === undefined) return aud === undefined;
  if (typeof aud === "string") return aud === audience;
  return Array.isArray(aud) && aud.length <= 16 && aud.includes(audience);
}

function isNumericDate(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}
