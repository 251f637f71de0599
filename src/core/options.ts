import type { AccountOptions } from "./accounts/account-options.js";
import type { WebhookOptions } from "./audit/webhook-deliverer.js";
import { type CustomClaimsHook, checkClaimNames } from "./claims/custom-claims.js";
import type { Clock } from "./clock.js";
import { JWKS_MAX_AGE_SECONDS } from "./keys/key-ring.js";
import { isSigningAlgorithm, type SigningAlgorithm } from "./keys/signing-keys.js";
import { isMfaMode, type MfaMode } from "./mfa/mfa-mode.js";
import type { PasswordHasher } from "./passwords/password-hasher.js";
import { defaultHashQueueOptions, type WorkQueueOptions } from "./passwords/work-queue.js";
import type { GatehouseStore } from "./store.js";
import type { ThrottleOptions } from "./throttle/login-throttle.js";
import { resolveThrottleLimits, type ThrottleLimits } from "./throttle/throttle-limits.js";
import { DEFAULT_SCOPES, isScopeName } from "./tokens/scopes.js";
import type { ProfileSchema } from "./users/profile.js";

/** Everything a Gatehouse can be configured with; only `store` is required. */
export interface GatehouseOptions {
  store: GatehouseStore;
  /** HS256 key as UTF-8 bytes (the seed's SECRET_KEY). Absent: a random key kept in the store. */
  secretKey?: string;
  /** Absent: keep the store's current key's algorithm (HS256 for a new store). A different one rotates. */
  algorithm?: SigningAlgorithm;
  /**
   * The issuer identifier: an absolute http(s) URL without query or fragment (RFC 8414 §2),
   * the tokens' `iss` and the base of every endpoint URL in the discovery metadata. Default
   * {@link DEFAULT_ISSUER}, the server's default base URL; set it to the URL clients use.
   */
  issuer?: string;
  audience?: string;
  /** Seconds; default 1800 as in the seed's ACCESS_TOKEN_EXPIRE_MINUTES = 30. */
  accessTokenTtl?: number;
  /** Seconds; default 14 days. */
  refreshTokenTtl?: number;
  /**
   * Seconds after a refresh token's first use during which presenting it again (two tabs
   * refreshing at once) returns the same successor instead of revoking the session; default 10, 0 for strict.
   */
  refreshReuseInterval?: number;
  /** Seconds a login session lives at most, however often it is refreshed; default 30 days. */
  sessionMaxAge?: number;
  /** Seconds of leeway for exp/nbf/iat; default 30. */
  clockSkew?: number;
  /**
   * Seconds resource servers may cache the JWKS (its `Cache-Control: max-age`); default
   * {@link JWKS_MAX_AGE_SECONDS}. A rotated-in key is published this long before it signs, so a
   * cache that honours the max-age has it before the first token it signed arrives.
   */
  jwksMaxAge?: number;
  /** Scope name to description, added to `me` and `admin` (always there; their descriptions may be changed). */
  scopes?: Record<string, string>;
  /** Verified tokens whose signature check fast-jwt may skip (claims and revocation are always checked). */
  tokenCacheSize?: number;
  /**
   * Milliseconds a token's user and revocation state may be reused between requests; default 500,
   * 0 to look up every time. This process's own changes apply at once; other processes' within this.
   */
  subjectCacheTtl?: number;
  /**
   * Milliseconds between upkeep runs (pick up other processes' key rotations and changes,
   * purge expired rows); default 500, 0 for none (then call `syncWithStore()` yourself).
   */
  syncInterval?: number;
  /** Whether upkeep purges expired rows; default true. False where another process does it (cluster workers). */
  purgeExpiredRows?: boolean;
  /** Told of an upkeep run that failed (the database was unreachable, say); the next run tries again. */
  onSyncError?: (error: unknown) => void;
  /** Record the audit log (logins, sessions, user and key changes); default true. */
  audit?: boolean;
  /** Seconds audit events are kept before upkeep purges them; default 90 days. */
  auditRetention?: number;
  /**
   * POST every audit event to this receiver, signed, from the durable outbox; absent for none.
   * Creating a Gatehouse with it turns queueing on for every process on the database.
   */
  webhook?: WebhookOptions;
  /**
   * Whether this Gatehouse delivers the queued events itself when `webhook` is set (default
   * true). False where another process on the database delivers them: a cluster's workers queue
   * events and their primary runs the one deliverer.
   */
  deliverWebhooks?: boolean;
  /** Told of a webhook outbox operation that failed (the database briefly away); default `onSyncError`. */
  onWebhookError?: (error: unknown) => void;
  /**
   * Extra access-token claims for a user, asked at every login and refresh; registered names
   * (`sub`, `iss`, `exp`, `scope`, …) are refused with `invalid_claims` when the token is issued.
   */
  claims?: CustomClaimsHook;
  /**
   * The names `claims` may return, checked against the registered ones when the Gatehouse is
   * created (a TypeError then, rather than a failed login later); any other name is refused.
   */
  claimNames?: readonly string[];
  /**
   * Extra user fields, declared with a Standard Schema (a zod or valibot object): validated on
   * every write, stored with the user, shown beside `username`, `email`, … in `/users/me`.
   */
  profile?: ProfileSchema;
  hasher?: PasswordHasher;
  /** Bounds on concurrent password hashing (load shedding); only without `hasher`. */
  hashQueue?: Partial<WorkQueueOptions>;
  /** Brute-force throttling of password logins; on with the contract's limits unless `false`. */
  throttle?: Partial<ThrottleOptions> | false;
  /**
   * Second factors: `off`, `optional` (users may enrol; the default) or `required` (a user
   * without one gets only an enrolment token after the password, and admin routes demand one).
   */
  mfa?: MfaMode;
  /** The `issuer` shown in authenticator apps (the otpauth URI); default "Gatehouse". */
  mfaIssuer?: string;
  /** Registration, e-mail verification, password reset and unlock links (docs/ACCOUNTS.md). */
  accounts?: AccountOptions;
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
  refreshReuseInterval: number;
  sessionMaxAge: number;
  clockSkew: number;
  jwksMaxAge: number;
  scopes: Record<string, string>;
  tokenCacheSize: number;
  subjectCacheTtl: number;
  syncInterval: number;
  purgeExpiredRows: boolean;
  audit: boolean;
  auditRetention: number;
  webhook: Required<WebhookOptions> | null;
  deliverWebhooks: boolean;
  /** The login throttle's limits, or `false` when throttling is off. */
  throttle: ThrottleLimits | false;
  hashQueue: WorkQueueOptions;
  mfa: MfaMode;
  mfaIssuer: string;
  /** The names custom claims may take, or `null` for any unregistered name. */
  claimNames: readonly string[] | null;
}

const MAX_TTL = 366 * 24 * 3600;
// A retry window, not a second lifetime: past a few minutes a replay is theft, not a race.
const MAX_REUSE_INTERVAL = 300;

/** The issuer when none is configured: the base URL `gatehouse serve` listens on by default. */
export const DEFAULT_ISSUER = "http://127.0.0.1:8000";

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
    if (algorithm !== undefined && algorithm !== "HS256")
      throw new TypeError("a secret key can only be used with HS256");
    if (options.secretKey.length === 0) throw new TypeError("the secret key must not be empty");
  }
  const accessTokenTtl = positiveSeconds("access token TTL", options.accessTokenTtl ?? 1800);
  const refreshTokenTtl = positiveSeconds("refresh token TTL", options.refreshTokenTtl ?? 14 * 24 * 3600);
  const refreshReuseInterval = options.refreshReuseInterval ?? 10;
  if (!Number.isInteger(refreshReuseInterval) || refreshReuseInterval < 0 || refreshReuseInterval > MAX_REUSE_INTERVAL)
    throw new TypeError(`refresh reuse interval must be 0–${MAX_REUSE_INTERVAL} seconds`);
  const sessionMaxAge = positiveSeconds("session max age", options.sessionMaxAge ?? 30 * 24 * 3600);
  const clockSkew = options.clockSkew ?? 30;
  if (!Number.isInteger(clockSkew) || clockSkew < 0 || clockSkew > 300)
    throw new TypeError("clock skew must be 0–300 seconds");
  const jwksMaxAge = options.jwksMaxAge ?? JWKS_MAX_AGE_SECONDS;
  if (!Number.isInteger(jwksMaxAge) || jwksMaxAge < 0 || jwksMaxAge > 86_400)
    throw new TypeError("the JWKS max-age must be 0–86400 seconds");
  const issuer = checkIssuer(options.issuer ?? DEFAULT_ISSUER);
  if (options.audience !== undefined && options.audience.length === 0)
    throw new TypeError("the audience must not be empty");
  return {
    secretKey: options.secretKey,
    algorithm,
    issuer,
    audience: options.audience,
    accessTokenTtl,
    refreshTokenTtl,
    refreshReuseInterval,
    sessionMaxAge,
    clockSkew,
    jwksMaxAge,
    scopes: resolveScopes(options.scopes),
    tokenCacheSize: options.tokenCacheSize ?? 10_000,
    // At most a second: other processes' changes (revocation, disable) must be seen within one second.
    subjectCacheTtl: boundedMs("subjectCacheTtl", options.subjectCacheTtl ?? 500, 1000),
    syncInterval: boundedMs("syncInterval", options.syncInterval ?? 500, 60_000),
    purgeExpiredRows: options.purgeExpiredRows ?? true,
    audit: options.audit ?? true,
    auditRetention: auditRetentionOf(options.auditRetention ?? 90 * 24 * 3600),
    webhook: options.webhook === undefined ? null : resolveWebhook(options.webhook),
    deliverWebhooks: options.deliverWebhooks ?? true,
    throttle: options.throttle === false ? false : resolveThrottleLimits(options.throttle),
    hashQueue: resolveHashQueue(options),
    mfa: mfaModeOf(options.mfa ?? "optional"),
    mfaIssuer: mfaIssuerOf(options.mfaIssuer ?? "Gatehouse"),
    claimNames: resolveClaimNames(options),
  };
}

/**
 * Argon2 runs on libuv's thread pool (4 threads unless UV_THREADPOOL_SIZE says otherwise),
 * where one hash keeps a core busy. More hashes at once than cores only slows each login and
 * starves the event loop, and filling all four threads would stall file and DNS work; so
 * at most one per core, and at most three. The queue holds about a second of logins.
 */
function resolveHashQueue(options: GatehouseOptions): WorkQueueOptions {
  if (options.hasher !== undefined && options.hashQueue !== undefined) {
    throw new TypeError("hashQueue configures the default hasher; set it on your own hasher instead");
  }
  const queue = { ...defaultHashQueueOptions(), ...options.hashQueue };
  if (!Number.isInteger(queue.concurrency) || queue.concurrency < 1 || queue.concurrency > 256)
    throw new TypeError("hashQueue concurrency must be a whole number from 1 to 256");
  if (!Number.isInteger(queue.maxQueued) || queue.maxQueued < 0 || queue.maxQueued > 100_000)
    throw new TypeError("hashQueue maxQueued must be a whole number from 0 to 100000");
  if (!Number.isInteger(queue.retryAfterSeconds) || queue.retryAfterSeconds < 1)
    throw new TypeError("hashQueue retryAfterSeconds must be a positive whole number");
  return queue;
}

const MAX_SCOPE_COUNT = 256;
const MAX_SCOPE_DESCRIPTION = 200;

/** The scopes a Gatehouse knows: `me` and `admin` (the built-in routes need them) plus `scopes`, checked. */
export function resolveScopes(scopes: Record<string, string> | undefined): Record<string, string> {
  const resolved: Record<string, string> = { ...DEFAULT_SCOPES };
  for (const [name, description] of Object.entries(scopes ?? {})) {
    if (!isScopeName(name))
      throw new TypeError(
        `scope names are 1–64 printable ASCII characters without spaces, quotes or backslashes (got ${JSON.stringify(name.slice(0, 70))})`,
      );
    if (typeof description !== "string" || description.length > MAX_SCOPE_DESCRIPTION) {
      throw new TypeError(
        `the description of scope ${name} must be a string of at most ${MAX_SCOPE_DESCRIPTION} characters`,
      );
    }
    resolved[name] = description;
  }
  if (Object.keys(resolved).length > MAX_SCOPE_COUNT) throw new TypeError(`at most ${MAX_SCOPE_COUNT} scopes`);
  return resolved;
}

function resolveWebhook(webhook: WebhookOptions): Required<WebhookOptions> {
  let scheme: string;
  try {
    scheme = new URL(webhook.url).protocol;
  } catch {
    throw new TypeError("the webhook URL is not a URL");
  }
  if (scheme !== "http:" && scheme !== "https:") throw new TypeError("the webhook URL must be http:// or https://");
  // A short HMAC key can be guessed offline from one signed delivery.
  if (webhook.secret.length < 16) throw new TypeError("the webhook secret must be at least 16 characters");
  const resolved = {
    url: webhook.url,
    secret: webhook.secret,
    timeoutMs: webhook.timeoutMs ?? 10_000,
    concurrency: webhook.concurrency ?? 8,
    retryBaseMs: webhook.retryBaseMs ?? 1_000,
    retryMaxMs: webhook.retryMaxMs ?? 600_000,
    pollIntervalMs: webhook.pollIntervalMs ?? 500,
  };
  const bounded = (name: string, value: number, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max)
      throw new TypeError(`webhook ${name} must be ${min}–${max}`);
  };
  bounded("timeoutMs", resolved.timeoutMs, 1, 120_000);
  bounded("concurrency", resolved.concurrency, 1, 256);
  bounded("retryBaseMs", resolved.retryBaseMs, 1, 3_600_000);
  bounded("retryMaxMs", resolved.retryMaxMs, resolved.retryBaseMs, 86_400_000);
  bounded("pollIntervalMs", resolved.pollIntervalMs, 1, 60_000);
  return resolved;
}

function resolveClaimNames(options: GatehouseOptions): readonly string[] | null {
  if (options.claims !== undefined && typeof options.claims !== "function")
    throw new TypeError("claims must be a function of the user");
  if (options.claimNames === undefined) return null;
  if (options.claims === undefined)
    throw new TypeError("claimNames names what the claims hook returns: set claims too");
  return [...checkClaimNames(options.claimNames)];
}

// At least a minute (upkeep purges once a minute), at most ten years.
function auditRetentionOf(value: number): number {
  if (!Number.isInteger(value) || value < 60 || value > 10 * 366 * 24 * 3600)
    throw new TypeError("audit retention must be 60 seconds to 10 years");
  return value;
}

function boundedMs(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new TypeError(`${name} must be 0–${max} milliseconds`);
  return value;
}

function positiveSeconds(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_TTL)
    throw new TypeError(`${name} must be 1–${MAX_TTL} seconds`);
  return value;
}

/**
 * RFC 8414 §2: the issuer is a URL with no query or fragment, and strict clients (oauth4webapi,
 * openid-client) compare it with the URL they fetched the metadata from. `http:` is allowed for
 * development and private networks; the string is kept as given, since `iss` is compared exactly.
 * @throws TypeError naming what is wrong.
 */
export function checkIssuer(issuer: string): string {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new TypeError(
      `the issuer must be an absolute URL such as https://auth.example.com (got ${JSON.stringify(issuer)})`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new TypeError("the issuer must be an http(s) URL");
  if (url.search !== "" || url.hash !== "" || issuer.includes("?") || issuer.includes("#"))
    throw new TypeError("the issuer URL must have no query or fragment");
  if (url.username !== "" || url.password !== "") throw new TypeError("the issuer URL must not contain credentials");
  return issuer;
}

function mfaModeOf(value: string): MfaMode {
  if (!isMfaMode(value)) throw new TypeError('mfa must be "off", "optional" or "required"');
  return value;
}

function mfaIssuerOf(value: string): string {
  // It becomes part of an otpauth URI label, where ":" separates issuer and account.
  if (value.length === 0 || value.length > 64 || value.includes(":") || /[\p{C}]/u.test(value)) {
    throw new TypeError("mfaIssuer must be 1-64 printable characters without a colon");
  }
  return value;
}
