import { GatehouseError } from "../errors.js";
import type { UserRecord } from "../users/user.js";

/**
 * Maps a user to extra access-token claims (a tenant, roles, a plan). Called at every login
 * and refresh, so a refreshed token carries what it returns then.
 */
export type CustomClaimsHook = (user: UserRecord) => Record<string, unknown> | Promise<Record<string, unknown>>;

/**
 * Claim names a custom claim may not take: those the JWT, access-token and OpenID specs give a
 * meaning verifiers rely on (RFC 7519 §4.1, RFC 9068 §2.2, RFC 8693 §4, RFC 7800 §3, OpenID
 * Connect Core §2 and §5.1), and Gatehouse's own. RFC 9068 §2.2.3.1's `roles`, `groups` and
 * `entitlements` stay free: they are what a hook is for.
 */
export const RESERVED_CLAIM_NAMES: readonly string[] = [
  "iss",
  "sub",
  "aud",
  "exp",
  "nbf",
  "iat",
  "jti",
  "scope",
  "scp",
  "client_id",
  "sid",
  "auth_time",
  "amr",
  "acr",
  "azp",
  "nonce",
  "at_hash",
  "c_hash",
  "typ",
  "cnf",
  "act",
  "may_act",
  "kid",
  "alg",
  "username",
  "token_type",
  "active",
];

/** Most bytes the custom claims of one token may take as JSON: tokens travel in every request header. */
export const MAX_CUSTOM_CLAIMS_BYTES = 4096;
const MAX_DEPTH = 8;
const CLAIM_NAME = /^[A-Za-z0-9_.:\-/]{1,64}$/;
const reserved = new Set(RESERVED_CLAIM_NAMES);

/**
 * Checks claim names a Gatehouse is told of at construction (`claimNames`).
 * @throws TypeError naming the first reserved or malformed name.
 */
export function checkClaimNames(names: readonly string[]): readonly string[] {
  for (const name of names) {
    if (typeof name !== "string" || !CLAIM_NAME.test(name))
      throw new TypeError(`custom claim names are 1–64 of A-Z a-z 0-9 _ . : - / (got ${JSON.stringify(name)})`);
    if (reserved.has(name))
      throw new TypeError(`the claim ${name} is registered and cannot be set by a custom claims hook`);
  }
  return names;
}

/**
 * Runs the hook and checks what it returned: a plain JSON object, within
 * {@link MAX_CUSTOM_CLAIMS_BYTES}, using no reserved name (nor, when `allowed` is given, any
 * name outside it).
 * @throws GatehouseError `invalid_claims` naming the fault, never a claim's value.
 */
export async function customClaimsFor(
  hook: CustomClaimsHook,
  user: UserRecord,
  allowed: ReadonlySet<string> | null,
): Promise<Record<string, unknown>> {
  const claims = await hook(user);
  if (!isPlainObject(claims)) throw invalidClaims("the custom claims hook must return a plain object");
  for (const [name, value] of Object.entries(claims)) {
    if (reserved.has(name)) throw invalidClaims(`the custom claims hook returned the registered claim ${name}`);
    if (allowed !== null && !allowed.has(name))
      throw invalidClaims(`the custom claims hook returned ${JSON.stringify(name.slice(0, 64))}, not in claimNames`);
    if (!CLAIM_NAME.test(name))
      throw invalidClaims(`the custom claim name ${JSON.stringify(name.slice(0, 64))} is malformed`);
    if (!isJsonValue(value, 0)) throw invalidClaims(`the custom claim ${name} is not a JSON value`);
  }
  if (Buffer.byteLength(JSON.stringify(claims)) > MAX_CUSTOM_CLAIMS_BYTES)
    throw invalidClaims(`the custom claims exceed ${MAX_CUSTOM_CLAIMS_BYTES} bytes of JSON`);
  return claims;
}

function invalidClaims(message: string): GatehouseError {
  return new GatehouseError("invalid_claims", message);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** JSON as a token can carry it: no undefined, functions, NaN, dates or class instances, bounded depth. */
function isJsonValue(value: unknown, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJsonValue(item, depth + 1));
  if (isPlainObject(value)) return Object.values(value).every((item) => isJsonValue(item, depth + 1));
  return false;
}
