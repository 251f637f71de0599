import type { Clock } from "./clock.js";
import type { PasswordHasher } from "./password.js";
import { DEFAULT_SCOPES } from "./scopes.js";
import { isSigningAlgorithm, type SigningAlgorithm } from "./signing-keys.js";
import type { GatehouseStore } from "./store.js";

/** Everything a Gatehouse can be configured with; only `store` is required. */
export interface GatehouseOptions {
  store: GatehouseStore;
  /** HS256 key as UTF-8 bytes (the seed's SECRET_KEY). Absent: a random key kept in the store. */
  secretKey?: string;
  /** Absent: keep the store's current key's algorithm (HS256 for a new store). A different one rotates. */
  algorithm?: SigningAlgorithm;
  /** Default "gatehouse". */
  issuer?: string;
  audience?: string;
  /** Seconds; default 1800 as in the seed's ACCESS_TOKEN_EXPIRE_MINUTES = 30. */
  accessTokenTtl?: number;
  /** Seconds; default 14 days. */
  refreshTokenTtl?: number;
  /** Seconds of leeway for exp/nbf/iat; default 30. */
  clockSkew?: number;
  /** Scope name to description; default `me` and `admin`. */
  scopes?: Record<string, string>;
  /** Verified tokens whose signature check fast-jwt may skip (claims and revocation are always checked). */
  tokenCacheSize?: number;
  hasher?: PasswordHasher;
  clock?: Clock;
}

/** Options with every default filled in and checked. */
export interface ResolvedOptions {
  secretKey: string | undefined;
  algorithm: SigningAlgorithm | undefined;
  issuer: string;
  audience: string | undefined;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  clockSkew: number;
  scopes: Record<string, string>;
  tokenCacheSize: number;
}

const MAX_TTL = 366 * 24 * 3600;

/**
 * Fills in defaults and rejects configuration mistakes at construction, never during a request.
 * @throws TypeError naming the bad setting.
 */
export function resolveOptions(options: GatehouseOptions): ResolvedOptions {
  const algorithm = options.algorithm;
  if (algorithm !== undefined && !isSigningAlgorithm(algorithm)) {
    throw new TypeError(`unsupported algorithm: ${String(algorithm)}`);
  }
  if (options.secretKey !== undefined) {
    if (algorithm !== undefined && algorithm !== "HS256") throw new TypeError("a secret key can only be used with HS256");
    if (options.secretKey.length === 0) throw new TypeError("the secret key must not be empty");
  }
  const accessTokenTtl = positiveSeconds("access token TTL", options.accessTokenTtl ?? 1800);
  const refreshTokenTtl = positiveSeconds("refresh token TTL", options.refreshTokenTtl ?? 14 * 24 * 3600);
  const clockSkew = options.clockSkew ?? 30;
  if (!Number.isInteger(clockSkew) || clockSkew < 0 || clockSkew > 300)
    throw new TypeError("clock skew must be 0–300 seconds");
  const issuer = options.issuer ?? "gatehouse";
  if (issuer.length === 0) throw new TypeError("the issuer must not be empty");
  if (options.audience !== undefined && options.audience.length === 0)
    throw new TypeError("the audience must not be empty");
  return {
    secretKey: options.secretKey,
    algorithm,
    issuer,
    audience: options.audience,
    accessTokenTtl,
    refreshTokenTtl,
    clockSkew,
    scopes: { ...(options.scopes ?? DEFAULT_SCOPES) },
    tokenCacheSize: options.tokenCacheSize ?? 10_000,
  };
}

function positiveSeconds(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_TTL)
    throw new TypeError(`${name} must be 1–${MAX_TTL} seconds`);
  return value;
}
