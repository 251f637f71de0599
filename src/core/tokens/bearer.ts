import { GatehouseError } from "../errors.js";

/** Longest token Gatehouse will look at; real access tokens are well under 2 KiB. */
export const MAX_TOKEN_LENGTH = 8192;

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * The `OAuth2PasswordBearer` of the seed: takes an `Authorization` header value and
 * returns the bearer token. The scheme is case-insensitive and may be followed by one or
 * more spaces (RFC 6750 §2.1).
 * @throws GatehouseError `not_authenticated` when there is no bearer credential,
 *   `invalid_token` when the credential is not a well-formed token.
 * @example
 * const token = extractBearerToken(request.headers.authorization);
 */
export function extractBearerToken(header: string | undefined | null): string {
  if (header === undefined || header === null || header.length < 7) {
    throw new GatehouseError("not_authenticated", "Not authenticated");
  }
  if (header.slice(0, 6).toLowerCase() !== "bearer" || header.charCodeAt(6) !== 32) {
    throw new GatehouseError("not_authenticated", "Not authenticated");
  }
  let start = 7;
  while (header.charCodeAt(start) === 32) start++;
  const token = header.slice(start);
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || !B64TOKEN.test(token)) {
    throw new GatehouseError("invalid_token", "Could not validate credentials");
  }
  return token;
}
