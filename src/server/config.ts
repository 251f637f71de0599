import type { GatehouseOptions, ThrottleLimits } from "../core/index.js";
import { isSigningAlgorithm } from "../core/keys/signing-keys.js";
import { isMfaMode, type MfaMode } from "../core/mfa/mfa-mode.js";
import { checkIssuer, resolveScopes } from "../core/options.js";
import { resolveThrottleLimits } from "../core/throttle/throttle-limits.js";
import { loadProfileSchemaFile } from "./profile-schema-file.js";

/** Settings of a Gatehouse process, from flags and environment (flags win). */
export interface ServerConfig {
  databaseUrl: string;
  host: string;
  port: number;
  /**
   * Passed to `createGatehouse` together with the store. `issuer` is set only when configured:
   * `serve` defaults it to the base URL it listens on (see {@link baseUrlOf}).
   */
  gatehouse: Omit<GatehouseOptions, "store">;
  /** Trust `X-Forwarded-For` from this many proxy hops (0: use the socket address). */
  trustProxy: number;
  /** pino level: fatal, error, warn (default), info (logs every request), debug, trace, silent. */
  logLevel: string;
  /** Who may read GET /metrics (`GATEHOUSE_METRICS`, default public). */
  metrics: MetricsAccess;
  /** Redis for the throttling counters of several servers (`GATEHOUSE_REDIS_URL`); wins over the database's. */
  redisUrl?: string;
  /** Outgoing mail (`GATEHOUSE_SMTP_URL`); absent, no mail is sent and the routes that send it are off. */
  mail?: MailConfig;
}

/** Where account mail goes and what it looks like. */
export interface MailConfig {
  /** `smtp://…`, `smtps://…` or `log:`. */
  smtpUrl: string;
  /** `GATEHOUSE_MAIL_FROM`. */
  from: string;
  /** `GATEHOUSE_MAIL_TEMPLATES`: a folder whose files replace the built-in templates. */
  templatesDir?: string;
}

/** Flags that override the environment; every field optional. */
export interface ConfigOverrides {
  databaseUrl?: string;
  host?: string;
  port?: string | number;
  algorithm?: string;
  issuer?: string;
  audience?: string;
  accessTokenTtl?: string | number;
  refreshTokenTtl?: string | number;
  refreshReuseInterval?: string | number;
  sessionMaxAge?: string | number;
  trustProxy?: string | number;
  metrics?: string;
  registration?: string;
  requireVerifiedEmail?: string | boolean;
  smtpUrl?: string;
  mailFrom?: string;
  appUrl?: string;
  mailTemplates?: string;
}

/** Who may read GET /metrics: anyone, a bearer token with the `admin` scope, or no one (404). */
export type MetricsAccess = "public" | "admin" | "off";

const METRICS_ACCESS: readonly MetricsAccess[] = ["public", "admin", "off"];

/** Default database: an SQLite file in the working directory. */
export const DEFAULT_DATABASE_URL = "sqlite:./gatehouse.db";

/** A configuration mistake, reported as one line and exit code 1. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/**
 * Reads the configuration from flags and environment variables (`GATEHOUSE_*`, `HOST`, `PORT`).
 * The secret key comes only from the environment: a flag would show in `ps`.
 * @throws ConfigError naming the bad setting.
 */
export function loadConfig(env: NodeJS.ProcessEnv, flags: ConfigOverrides = {}): ServerConfig {
  const pick = (flag: string | number | undefined, name: string) =>
    flag !== undefined ? String(flag) : nonEmpty(env[name]);
  // Unset: keep the database's current key algorithm (HS256 for a new database).
  const algorithm = pick(flags.algorithm, "GATEHOUSE_ALGORITHM");
  if (algorithm !== undefined && !isSigningAlgorithm(algorithm)) {
    throw new ConfigError(`GATEHOUSE_ALGORITHM must be one of HS256, EdDSA, ES256, RS256 (got ${algorithm})`);
  }
  const secretKey = nonEmpty(env.GATEHOUSE_SECRET_KEY);
  if (secretKey !== undefined && algorithm !== undefined && algorithm !== "HS256") {
    throw new ConfigError(`GATEHOUSE_SECRET_KEY is an HS256 key; unset it to use ${algorithm}`);
  }
  const issuer = issuerOf(pick(flags.issuer, "GATEHOUSE_ISSUER"));
  const audience = pick(flags.audience, "GATEHOUSE_AUDIENCE");
  const accessTokenTtl = integer(
    pick(flags.accessTokenTtl, "GATEHOUSE_ACCESS_TOKEN_TTL"),
    "GATEHOUSE_ACCESS_TOKEN_TTL",
    1800,
    1,
    366 * 86400,
  );
  const refreshTokenTtl = integer(
    pick(flags.refreshTokenTtl, "GATEHOUSE_REFRESH_TOKEN_TTL"),
    "GATEHOUSE_REFRESH_TOKEN_TTL",
    14 * 86400,
    1,
    366 * 86400,
  );
  const refreshReuseInterval = integer(
    pick(flags.refreshReuseInterval, "GATEHOUSE_REFRESH_REUSE_INTERVAL"),
    "GATEHOUSE_REFRESH_REUSE_INTERVAL",
    10,
    0,
    300,
  );
  const sessionMaxAge = integer(
    pick(flags.sessionMaxAge, "GATEHOUSE_SESSION_MAX_AGE"),
    "GATEHOUSE_SESSION_MAX_AGE",
    30 * 86400,
    1,
    366 * 86400,
  );
  const auditRetention = integer(
    nonEmpty(env.GATEHOUSE_AUDIT_RETENTION),
    "GATEHOUSE_AUDIT_RETENTION",
    90 * 86400,
    60,
    3660 * 86400,
  );
  const webhook = webhookConfig(env);
  const redisUrl = redisUrlOf(nonEmpty(env.GATEHOUSE_REDIS_URL));
  const jwksMaxAge = nonEmpty(env.GATEHOUSE_JWKS_MAX_AGE);
  const { mail, accounts } = accountsConfig(pick, flags);
  return {
    ...(mail === undefined ? {} : { mail }),
    databaseUrl: pick(flags.databaseUrl, "GATEHOUSE_DATABASE_URL") ?? DEFAULT_DATABASE_URL,
    ...(redisUrl === undefined ? {} : { redisUrl }),
    logLevel: logLevelOf(nonEmpty(env.GATEHOUSE_LOG_LEVEL)),
    metrics: metricsAccessOf(pick(flags.metrics, "GATEHOUSE_METRICS")),
    host: pick(flags.host, "HOST") ?? "127.0.0.1",
    port: integer(pick(flags.port, "PORT"), "PORT", 8000, 0, 65535),
    trustProxy: integer(pick(flags.trustProxy, "GATEHOUSE_TRUST_PROXY"), "GATEHOUSE_TRUST_PROXY", 0, 0, 16),
    gatehouse: {
      ...(algorithm === undefined ? {} : { algorithm }),
      accessTokenTtl,
      refreshTokenTtl,
      ...(jwksMaxAge === undefined ? {} : { jwksMaxAge: integer(jwksMaxAge, "GATEHOUSE_JWKS_MAX_AGE", 0, 0, 86_400) }),
      refreshReuseInterval,
      sessionMaxAge,
      audit: onOff(env, "GATEHOUSE_AUDIT"),
      auditRetention,
      ...(webhook === undefined ? {} : { webhook }),
      ...(secretKey === undefined ? {} : { secretKey }),
      ...(issuer === undefined ? {} : { issuer }),
      ...(audience === undefined ? {} : { audience }),
      throttle: throttleConfig(env),
      ...hashQueueConfig(env),
      ...scopesConfig(nonEmpty(env.GATEHOUSE_SCOPES)),
      mfa: mfaModeOf(nonEmpty(env.GATEHOUSE_MFA)),
      ...profileConfig(nonEmpty(env.GATEHOUSE_PROFILE_SCHEMA)),
      accounts,
    },
  };
}

/** `GATEHOUSE_MFA`: `off`, `optional` (the default) or `required`. */
function mfaModeOf(raw: string | undefined): MfaMode {
  const mode = raw?.toLowerCase() ?? "optional";
  if (!isMfaMode(mode)) throw new ConfigError("GATEHOUSE_MFA must be one of off, optional, required");
  return mode;
}

/** `GATEHOUSE_PROFILE_SCHEMA`: a JSON Schema file of the users' profile fields, compiled once here. */
function profileConfig(path: string | undefined): Pick<GatehouseOptions, "profile"> {
  if (path === undefined) return {};
  try {
    return { profile: loadProfileSchemaFile(path) };
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

/**
 * Accounts and mail: `GATEHOUSE_REGISTRATION`, `GATEHOUSE_REQUIRE_VERIFIED_EMAIL`,
 * `GATEHOUSE_SMTP_URL`, `GATEHOUSE_MAIL_FROM`, `GATEHOUSE_APP_URL`, `GATEHOUSE_MAIL_TEMPLATES`.
 * A feature that needs mail without an SMTP URL is refused here, at start, in one line.
 */
function accountsConfig(
  pick: (flag: string | number | undefined, name: string) => string | undefined,
  flags: ConfigOverrides,
): { mail: MailConfig | undefined; accounts: NonNullable<GatehouseOptions["accounts"]> } {
  const registration = (pick(flags.registration, "GATEHOUSE_REGISTRATION") ?? "closed").toLowerCase();
  if (registration !== "open" && registration !== "closed")
    throw new ConfigError(`GATEHOUSE_REGISTRATION must be "open" or "closed" (got ${JSON.stringify(registration)})`);
  const required = pick(
    flags.requireVerifiedEmail === undefined ? undefined : String(flags.requireVerifiedEmail),
    "GATEHOUSE_REQUIRE_VERIFIED_EMAIL",
  );
  const requireVerifiedEmail = booleanOf(required, "GATEHOUSE_REQUIRE_VERIFIED_EMAIL");
  const smtpUrl = pick(flags.smtpUrl, "GATEHOUSE_SMTP_URL");
  if (smtpUrl !== undefined && smtpUrl !== "log:") {
    let scheme: string | undefined;
    try {
      scheme = new URL(smtpUrl).protocol;
    } catch {
      throw new ConfigError(
        "GATEHOUSE_SMTP_URL is not a URL (expected smtp://[USER:PASSWORD@]HOST[:PORT], smtps://… or log:)",
      );
    }
    if (scheme !== "smtp:" && scheme !== "smtps:")
      throw new ConfigError("GATEHOUSE_SMTP_URL must start with smtp:// or smtps://, or be log:");
  }
  if (smtpUrl === undefined && registration === "open" && requireVerifiedEmail)
    throw new ConfigError(
      "GATEHOUSE_REGISTRATION=open with GATEHOUSE_REQUIRE_VERIFIED_EMAIL=true needs mail: set GATEHOUSE_SMTP_URL (smtp://…, smtps://…, or log: for development)",
    );
  const appUrl = pick(flags.appUrl, "GATEHOUSE_APP_URL");
  if (appUrl !== undefined) {
    try {
      checkIssuer(appUrl);
    } catch {
      throw new ConfigError("GATEHOUSE_APP_URL must be an absolute http(s) URL without query or fragment");
    }
  }
  const templatesDir = pick(flags.mailTemplates, "GATEHOUSE_MAIL_TEMPLATES");
  const mail =
    smtpUrl === undefined
      ? undefined
      : {
          smtpUrl,
          from: pick(flags.mailFrom, "GATEHOUSE_MAIL_FROM") ?? "Gatehouse <no-reply@localhost>",
          ...(templatesDir === undefined ? {} : { templatesDir }),
        };
  return {
    mail,
    accounts: {
      registration,
      requireVerifiedEmail,
      ...(appUrl === undefined ? {} : { appUrl }),
    },
  };
}

function booleanOf(raw: string | undefined, name: string): boolean {
  if (raw === undefined) return false;
  const value = raw.toLowerCase();
  if (value === "true" || value === "1" || value === "yes" || value === "on") return true;
  if (value === "false" || value === "0" || value === "no" || value === "off") return false;
  throw new ConfigError(`${name} must be true or false (got ${JSON.stringify(raw)})`);
}

const THROTTLE_VARIABLES: Array<[keyof ThrottleLimits, string]> = [
  ["windowSeconds", "GATEHOUSE_THROTTLE_WINDOW"],
  ["maxFailuresPerUserAndAddress", "GATEHOUSE_THROTTLE_MAX_PER_USER_ADDRESS"],
  ["maxFailuresPerAddress", "GATEHOUSE_THROTTLE_MAX_PER_ADDRESS"],
  ["maxFailuresPerUser", "GATEHOUSE_THROTTLE_MAX_PER_USER"],
  ["maxDelaySeconds", "GATEHOUSE_THROTTLE_MAX_DELAY"],
  ["rememberLoginSeconds", "GATEHOUSE_THROTTLE_REMEMBER_LOGIN"],
  ["ipv6PrefixLength", "GATEHOUSE_THROTTLE_IPV6_PREFIX"],
];

/** Login throttling: `GATEHOUSE_THROTTLE=off` turns it off; `GATEHOUSE_THROTTLE_*` change the contract's limits. */
function throttleConfig(env: NodeJS.ProcessEnv): ThrottleLimits | false {
  if (!onOff(env, "GATEHOUSE_THROTTLE")) return false;
  const limits: Partial<ThrottleLimits> = {};
  for (const [field, name] of THROTTLE_VARIABLES) {
    const raw = nonEmpty(env[name]);
    if (raw !== undefined) limits[field] = integer(raw, name, 0, 1, 366 * 86400);
  }
  try {
    return resolveThrottleLimits(limits);
  } catch (error) {
    throw new ConfigError(`GATEHOUSE_THROTTLE_*: ${(error as Error).message}`);
  }
}

/** Load shedding: `GATEHOUSE_HASH_CONCURRENCY` hashes at once, `GATEHOUSE_HASH_QUEUE` waiting; defaults in the core. */
function hashQueueConfig(env: NodeJS.ProcessEnv): Pick<GatehouseOptions, "hashQueue"> {
  const concurrency = nonEmpty(env.GATEHOUSE_HASH_CONCURRENCY);
  const maxQueued = nonEmpty(env.GATEHOUSE_HASH_QUEUE);
  if (concurrency === undefined && maxQueued === undefined) return {};
  return {
    hashQueue: {
      ...(concurrency === undefined
        ? {}
        : { concurrency: integer(concurrency, "GATEHOUSE_HASH_CONCURRENCY", 0, 1, 256) }),
      ...(maxQueued === undefined ? {} : { maxQueued: integer(maxQueued, "GATEHOUSE_HASH_QUEUE", 0, 0, 100_000) }),
    },
  };
}

/**
 * `GATEHOUSE_SCOPES`: the server's scopes as `name[:description]`, separated by commas, or by
 * spaces when there is no comma (so descriptions with spaces need commas between entries):
 * `orders:Read your orders, invoices`. `me` and `admin` are always there.
 */
function scopesConfig(raw: string | undefined): Pick<GatehouseOptions, "scopes"> {
  if (raw === undefined) return {};
  const entries = (raw.includes(",") ? raw.split(",") : raw.split(/\s+/)).map((entry) => entry.trim());
  const scopes: Record<string, string> = {};
  for (const entry of entries.filter((value) => value !== "")) {
    const colon = entry.indexOf(":");
    const name = colon === -1 ? entry : entry.slice(0, colon).trim();
    scopes[name] = colon === -1 ? "" : entry.slice(colon + 1).trim();
  }
  try {
    resolveScopes(scopes);
  } catch (error) {
    throw new ConfigError(`GATEHOUSE_SCOPES: ${(error as Error).message}`);
  }
  return { scopes };
}

/**
 * The base URL a server listening on `host:port` is reached at, its default issuer: the
 * contract's `http://127.0.0.1:8000` for the defaults. Behind a proxy, GATEHOUSE_ISSUER names
 * the public URL instead.
 */
export function baseUrlOf(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** GATEHOUSE_ISSUER: an absolute http(s) URL (RFC 8414 §2), kept exactly as given. */
function issuerOf(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    return checkIssuer(raw);
  } catch (error) {
    throw new ConfigError(`GATEHOUSE_ISSUER: ${(error as Error).message}`);
  }
}

/**
 * Webhooks: `GATEHOUSE_WEBHOOK_URL` with its signing key `GATEHOUSE_WEBHOOK_SECRET` (env only,
 * like every secret); `GATEHOUSE_WEBHOOK_TIMEOUT` seconds for a receiver to answer.
 */
function webhookConfig(env: NodeJS.ProcessEnv): GatehouseOptions["webhook"] {
  const url = nonEmpty(env.GATEHOUSE_WEBHOOK_URL);
  if (url === undefined) return undefined;
  let scheme: string | undefined;
  try {
    scheme = new URL(url).protocol;
  } catch {
    throw new ConfigError("GATEHOUSE_WEBHOOK_URL is not a URL (expected http(s)://HOST/PATH)");
  }
  if (scheme !== "http:" && scheme !== "https:") {
    throw new ConfigError("GATEHOUSE_WEBHOOK_URL must start with http:// or https://");
  }
  const secret = nonEmpty(env.GATEHOUSE_WEBHOOK_SECRET);
  if (secret === undefined || secret.length < 16) {
    throw new ConfigError(
      "GATEHOUSE_WEBHOOK_URL needs GATEHOUSE_WEBHOOK_SECRET, the key that signs deliveries (at least 16 characters)",
    );
  }
  const timeout = integer(nonEmpty(env.GATEHOUSE_WEBHOOK_TIMEOUT), "GATEHOUSE_WEBHOOK_TIMEOUT", 10, 1, 120);
  return { url, secret, timeoutMs: timeout * 1000 };
}

/** A `redis://` or `rediss://` URL; the message never repeats it, since it may hold a password. */
function redisUrlOf(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let scheme: string | undefined;
  try {
    scheme = new URL(raw).protocol;
  } catch {
    throw new ConfigError("GATEHOUSE_REDIS_URL is not a URL (expected redis://[:PASSWORD@]HOST:PORT[/DB])");
  }
  if (scheme !== "redis:" && scheme !== "rediss:") {
    throw new ConfigError("GATEHOUSE_REDIS_URL must start with redis:// or rediss://");
  }
  return raw;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

function logLevelOf(raw: string | undefined): string {
  if (raw === undefined) return "warn";
  if (!LOG_LEVELS.includes(raw)) throw new ConfigError(`GATEHOUSE_LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`);
  return raw;
}

function metricsAccessOf(raw: string | undefined): MetricsAccess {
  if (raw === undefined) return "public";
  const access = METRICS_ACCESS.find((value) => value === raw.toLowerCase());
  if (access === undefined) throw new ConfigError(`GATEHOUSE_METRICS must be one of ${METRICS_ACCESS.join(", ")}`);
  return access;
}

function onOff(env: NodeJS.ProcessEnv, name: string): boolean {
  const value = nonEmpty(env[name])?.toLowerCase() ?? "on";
  if (value !== "on" && value !== "off") throw new ConfigError(`${name} must be "on" or "off"`);
  return value === "on";
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function integer(raw: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  }
  return value;
}
