import { GatehouseError, MESSAGES } from "../errors.js";

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,64}$/;
const MAX_SCOPES = 64;

/** The scopes every Gatehouse knows: `me` reads and edits one's own profile, `admin` manages users. */
export const DEFAULT_SCOPES: Readonly<Record<string, string>> = {
  me: "Read and change your own profile",
  admin: "Manage users and inspect tokens",
};

/** True when `name` is a valid scope token (RFC 6749 §3.3), at most 64 characters. */
export function isScopeName(name: string): boolean {
  return SCOPE_TOKEN.test(name);
}

/** Splits a space-separated scope parameter into distinct scope names. */
export function parseScopeParameter(scope: string | undefined): string[] {
  if (scope === undefined) return [];
  const names = scope.split(" ").filter((name) => name.length > 0);
  if (names.length > MAX_SCOPES) throw new GatehouseError("invalid_scope", "Too many scopes requested");
  for (const name of names) {
    if (!SCOPE_TOKEN.test(name)) throw new GatehouseError("invalid_scope", "A requested scope is malformed");
  }
  return [...new Set(names)];
}

/** Checks a list of scopes to grant a user: each must be known. */
export function validateScopeList(scopes: readonly string[], known: ReadonlySet<string>): string[] {
  const distinct = [...new Set(scopes)];
  for (const name of distinct) {
    if (!known.has(name))
      throw new GatehouseError("validation_failed", `unknown scope: ${safeScopeName(name)}`, { field: "scopes" });
  }
  return distinct;
}

/**
 * The scopes a token gets: the requested ones when all are known and permitted, or every
 * permitted scope when none is requested (FastAPI's tutorial grants whatever is asked; we don't).
 */
export function grantScopes(
  requested: readonly string[],
  permitted: readonly string[],
  known: ReadonlySet<string>,
): string[] {
  if (requested.length === 0) return permitted.filter((name) => known.has(name));
  for (const name of requested) {
    if (!known.has(name)) throw new GatehouseError("invalid_scope", `Unknown scope: ${safeScopeName(name)}`);
    if (!permitted.includes(name)) {
      throw new GatehouseError("invalid_scope", `Scope not granted to this user: ${safeScopeName(name)}`);
    }
  }
  return [...requested];
}

/** The scope names of a space-separated `scope` claim or stored scope string. */
export function splitScopes(scope: string): string[] {
  return scope === "" ? [] : scope.split(" ");
}

/**
 * The scopes a token may use now: those of its `scope` claim (the claim, or the claim already
 * split) that its user still holds. A scope
 * taken from the user stops working on every earlier token at once; one given to the user later
 * never widens an earlier token.
 */
export function liveScopes(tokenScope: string | readonly string[], held: readonly string[]): string[] {
  const granted = typeof tokenScope === "string" ? splitScopes(tokenScope) : tokenScope;
  return granted.filter((name) => held.includes(name));
}

/** The required scopes missing from a token's scopes. */
export function missingScopes(required: readonly string[], granted: readonly string[]): string[] {
  return required.filter((name) => !granted.includes(name));
}

/**
 * The one scope check of a protected resource (RFC 6750 §3.1): throws `insufficient_scope`
 * unless `granted` holds every required scope. The adapter names the route's scopes in the
 * challenge, so the error need not carry them.
 */
export function requireScopes(required: readonly string[], granted: readonly string[]): void {
  if (missingScopes(required, granted).length > 0) {
    throw new GatehouseError("insufficient_scope", MESSAGES.notEnoughPermissions);
  }
}

function safeScopeName(name: string): string {
  return SCOPE_TOKEN.test(name) ? name : "(malformed)";
}
