import { GatehouseError, PASSWORD_MAX_LENGTH, type TokenRequest } from "../core/index.js";
import { countCharacters } from "../core/users/user.js";

/** A parsed token request plus the client it names. */
export interface ParsedTokenForm {
  request: TokenRequest;
  clientId: string | undefined;
}

const MAX_FIELD_CHARACTERS: Record<keyof TokenRequest, number> = {
  grant_type: 128,
  username: 256,
  password: PASSWORD_MAX_LENGTH,
  scope: 2048,
  refresh_token: 512,
  client_id: 128,
  client_secret: 512,
  mfa_token: 128,
  otp: 16,
  recovery_code: 64,
};

const MALFORMED_BODY =
  "The request body is not valid form encoding: every % must start a %XX escape, and the escapes must spell UTF-8";

/**
 * Decodes one name or value of a form body strictly: `+` is a space, and every `%` must
 * start an escape of valid UTF-8 (no overlong forms, no lone surrogates such as
 * `%ED%A0%80`). WHATWG's lenient decoding would instead keep `%ZZ` as text and turn invalid
 * bytes into U+FFFD, so different byte strings would become the same password.
 */
function decodeFormComponent(raw: string): string {
  let value: string;
  try {
    value = decodeURIComponent(raw.replace(/\+/g, " "));
  } catch {
    throw new GatehouseError("invalid_request", MALFORMED_BODY);
  }
  // U+FFFD is what the body's own UTF-8 decoding leaves of a raw invalid byte.
  if (value.includes("\uFFFD")) throw new GatehouseError("invalid_request", MALFORMED_BODY);
  return value;
}

/**
 * Reads the named fields of a form body, each at most once (RFC 6749 §3.2), bounded in length
 * and free of NUL characters; other fields are ignored, but the whole body must be well-formed.
 * @throws GatehouseError `invalid_request` naming the problem, never echoing a value.
 */
export function parseFormFields<F extends string>(body: string, limits: Record<F, number>): Partial<Record<F, string>> {
  const result: Partial<Record<F, string>> = {};
  for (const pair of body.split("&")) {
    if (pair === "") continue;
    const equals = pair.indexOf("=");
    const name = decodeFormComponent(equals === -1 ? pair : pair.slice(0, equals));
    const value = equals === -1 ? "" : decodeFormComponent(pair.slice(equals + 1));
    if (!Object.hasOwn(limits, name)) continue;
    const field = name as F;
    if (result[field] !== undefined) {
      throw new GatehouseError("invalid_request", `The ${field} parameter was given more than once`);
    }
    if (countCharacters(value) > limits[field]) {
      throw new GatehouseError("invalid_request", `The ${field} parameter is too long`);
    }
    // NUL ends a string in C libraries and bcrypt implementations: refuse it rather than guess.
    if (value.includes("\u0000")) {
      throw new GatehouseError("invalid_request", `The ${field} parameter must not contain NUL characters`);
    }
    result[field] = value;
  }
  return result;
}

/** True for `application/x-www-form-urlencoded`, with or without parameters such as charset. */
export function isFormContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const semicolon = contentType.indexOf(";");
  const type = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  return type === "application/x-www-form-urlencoded";
}

/**
 * Parses a token request body (RFC 6749 §4.3.2 / §6) and client credentials from the body or
 * HTTP Basic (§2.3.1). Unknown parameters are ignored (§3.2); a known one given twice is an error.
 * @throws GatehouseError `invalid_request` naming the problem, never echoing a secret.
 */
export function parseTokenForm(body: string, authorization: string | undefined): ParsedTokenForm {
  const request: TokenRequest = parseFormFields(body, MAX_FIELD_CHARACTERS);
  const basic = parseBasicCredentials(authorization);
  const bodyClient = request.client_id === "" ? undefined : request.client_id;
  if (basic !== undefined && bodyClient !== undefined && basic !== bodyClient) {
    throw new GatehouseError("invalid_request", "Client credentials were given twice and disagree");
  }
  return { request, clientId: basic ?? bodyClient };
}

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The client id from `Authorization: Basic`, undefined when absent or empty (Swagger UI sends
 * `Basic Og==`, an empty id and secret, meaning "no client").
 */
function parseBasicCredentials(authorization: string | undefined): string | undefined {
  if (authorization === undefined || authorization.slice(0, 6).toLowerCase() !== "basic ") return undefined;
  const encoded = authorization.slice(6).trim();
  if (encoded.length > 1024 || !/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) {
    throw new GatehouseError("invalid_request", "Malformed HTTP Basic client credentials");
  }
  let decoded: string;
  try {
    decoded = STRICT_UTF8.decode(Buffer.from(encoded, "base64"));
  } catch {
    throw new GatehouseError("invalid_request", "Malformed HTTP Basic client credentials");
  }
  const colon = decoded.indexOf(":");
  if (colon === -1) throw new GatehouseError("invalid_request", "Malformed HTTP Basic client credentials");
  let clientId: string;
  try {
    // RFC 6749 §2.3.1: the client id is form-urlencoded before Basic encoding.
    clientId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, " "));
  } catch {
    throw new GatehouseError("invalid_request", "Malformed HTTP Basic client credentials");
  }
  if (clientId.length > MAX_FIELD_CHARACTERS.client_id)
    throw new GatehouseError("invalid_request", "The client_id is too long");
  return clientId === "" ? undefined : clientId;
}
