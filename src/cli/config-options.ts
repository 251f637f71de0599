import type { Command } from "commander";
import type { ConfigOverrides, ServerConfig } from "../server/config.js";
import { CliError } from "./io.js";

/** The configuration flags every command takes (values as commander parsed them). */
export interface ConfigFlags {
  database?: string;
  algorithm?: string;
  issuer?: string;
  audience?: string;
  accessTokenTtl?: string;
  refreshTokenTtl?: string;
}

/**
 * Adds `--database` and the token settings to a command, after its own options (call it last).
 * Each command declares them itself, rather than the root program, because commander stops
 * matching a parent's options at the first option it does not know.
 */
export function addConfigOptions(command: Command): Command {
  // Not commander's `.env()`: loadConfig reads the environment, which tests inject through CliIo.
  return command
    .helpOption("-h, --help", "display help for command")
    .optionsGroup("Database and token options:")
    .option(
      "--database <url>",
      "sqlite:PATH, memory: or postgres://… (env GATEHOUSE_DATABASE_URL, default sqlite:./gatehouse.db)",
    )
    .option(
      "--algorithm <alg>",
      "HS256, EdDSA, ES256 or RS256 (env GATEHOUSE_ALGORITHM; default: the database's current key, HS256 for a new one)",
    )
    .option(
      "--issuer <url>",
      "the issuer URL: every token's iss and the base of the discovery metadata's URLs (env GATEHOUSE_ISSUER; default the URL serve listens on)",
    )
    .option("--audience <aud>", "the tokens' aud claim (env GATEHOUSE_AUDIENCE)")
    .option("--access-token-ttl <seconds>", "access token lifetime (env GATEHOUSE_ACCESS_TOKEN_TTL, default 1800)")
    .option(
      "--refresh-token-ttl <seconds>",
      "refresh token lifetime (env GATEHOUSE_REFRESH_TOKEN_TTL, default 14 days)",
    );
}

/** Turns the parsed flags into `loadConfig` overrides; absent flags fall back to the environment there. */
export function toOverrides(flags: ConfigFlags): ConfigOverrides {
  const overrides: ConfigOverrides = {};
  if (flags.database !== undefined) overrides.databaseUrl = flags.database;
  if (flags.algorithm !== undefined) overrides.algorithm = flags.algorithm;
  if (flags.issuer !== undefined) overrides.issuer = flags.issuer;
  if (flags.audience !== undefined) overrides.audience = flags.audience;
  if (flags.accessTokenTtl !== undefined) overrides.accessTokenTtl = flags.accessTokenTtl;
  if (flags.refreshTokenTtl !== undefined) overrides.refreshTokenTtl = flags.refreshTokenTtl;
  return overrides;
}

/**
 * Each override's flag and the environment variable it stands in for. The configuration
 * names the variable in its messages; a value typed as a flag is reported under the flag.
 */
const FLAG_OF_SETTING: { readonly [K in keyof ConfigOverrides]-?: readonly [flag: string, env: string] } = {
  databaseUrl: ["--database", "GATEHOUSE_DATABASE_URL"],
  host: ["--host", "HOST"],
  port: ["--port", "PORT"],
  algorithm: ["--algorithm", "GATEHOUSE_ALGORITHM"],
  issuer: ["--issuer", "GATEHOUSE_ISSUER"],
  audience: ["--audience", "GATEHOUSE_AUDIENCE"],
  accessTokenTtl: ["--access-token-ttl", "GATEHOUSE_ACCESS_TOKEN_TTL"],
  refreshTokenTtl: ["--refresh-token-ttl", "GATEHOUSE_REFRESH_TOKEN_TTL"],
  refreshReuseInterval: ["--refresh-reuse-interval", "GATEHOUSE_REFRESH_REUSE_INTERVAL"],
  sessionMaxAge: ["--session-max-age", "GATEHOUSE_SESSION_MAX_AGE"],
  trustProxy: ["--trust-proxy", "GATEHOUSE_TRUST_PROXY"],
  metrics: ["--metrics", "GATEHOUSE_METRICS"],
  registration: ["--registration", "GATEHOUSE_REGISTRATION"],
  requireVerifiedEmail: ["--require-verified-email", "GATEHOUSE_REQUIRE_VERIFIED_EMAIL"],
  smtpUrl: ["--smtp-url", "GATEHOUSE_SMTP_URL"],
  mailFrom: ["--mail-from", "GATEHOUSE_MAIL_FROM"],
  appUrl: ["--app-url", "GATEHOUSE_APP_URL"],
  mailTemplates: ["--mail-templates", "GATEHOUSE_MAIL_TEMPLATES"],
};

/**
 * `loadConfig` with flag-aware errors: a bad value given as a flag is bad usage (exit 2)
 * and named as typed (`--port`), while the same value from the environment keeps the
 * variable's name (`PORT`) and exit code 1.
 */
export async function loadConfigFromFlags(env: NodeJS.ProcessEnv, overrides: ConfigOverrides): Promise<ServerConfig> {
  const { loadConfig, ConfigError } = await import("../server/config.js");
  try {
    return loadConfig(env, overrides);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const key of Object.keys(overrides) as Array<keyof ConfigOverrides>) {
      const names = FLAG_OF_SETTING[key];
      if (names === undefined || overrides[key] === undefined) continue;
      const [flag, variable] = names;
      // Every configuration message starts with the setting's variable name.
      if (new RegExp(`^${variable}(?![A-Z0-9_])`).test(error.message)) {
        throw new CliError(flag + error.message.slice(variable.length), 2);
      }
    }
    throw error;
  }
}
