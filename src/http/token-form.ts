import { countCharacters, GatehouseError, PASSWORD_MAX_LENGTH, type TokenRequest } from "../core/index.js";

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
};

/**
 * Reads the named fields of a form body, each at most once (RFC 6749 §3.2) and bounded in
 * length; other fields are ignored.
 * @throws GatehouseError `invalid_request`.
 */
export function parseFormFields<F extends string>(body: string, limits: Record<F, number>): Partial<Record<F, string>> {
  const params = new URLSearchParams(body);
  const result: Partial<Record<F, string>> = {};
  for (const field of Object.keys(limits) as F[]) {
    const values = params.getAll(field);
    if (values.length === 0) continue;
    if (values.length > 1)
      throw new GatehouseError("invalid_request", `The ${field} parameter was given more than once`);
    const value = values[0] as string;
    if (countCharacters(value) > limits[field])
      throw new GatehouseError("invalid_request", `The ${field} parameter is too long`);
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
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
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
