import { existsSync } from "node:fs";
import type {
  AuditContext,
  AuditLog,
  Gatehouse,
  GatehouseStore,
  PublicUser,
  SessionDirectory,
  UserRecord,
  UserService,
} from "../core/index.js";
import type { ServerConfig } from "../server/config.js";
import { type ConfigFlags, loadConfigFromFlags, toOverrides } from "./config-options.js";
import { CliError, type CliIo } from "./io.js";

/** What a `users` command works with. */
export interface UserSession {
  users: UserService;
  /** The core's own conversion, so the CLI prints exactly what the API shows (never a hash). */
  toPublicUser(user: UserRecord): PublicUser;
  /** The core's rule for who counts as an admin. */
  isEnabledAdmin(user: UserRecord): boolean;
}

/** Who makes the CLI's changes, in the audit log. */
export const CLI_CONTEXT: AuditContext = { actor: "cli" };

// Settings only `serve` uses: a bad PORT in the environment must not break `users list`, and a
// command never delivers webhooks (the server does; the events a command records are queued).
const SERVE_ONLY_ENV = [
  "HOST",
  "PORT",
  "GATEHOUSE_TRUST_PROXY",
  "GATEHOUSE_WEBHOOK_URL",
  "GATEHOUSE_WEBHOOK_SECRET",
  "GATEHOUSE_WEBHOOK_TIMEOUT",
] as const;

/** How a command opens its database. */
export interface OpenOptions {
  /** Create a missing SQLite file (`demo` only): elsewhere a missing file is a typo, refused. */
  createDatabase?: boolean;
}

/**
 * Reads the configuration of a management command (flags win over the environment), and
 * refuses a SQLite file that does not exist unless the command may create it.
 */
export async function loadCommandConfig(flags: ConfigFlags, io: CliIo, open: OpenOptions = {}): Promise<ServerConfig> {
  const env = { ...io.env };
  for (const name of SERVE_ONLY_ENV) delete env[name];
  const config = await loadConfigFromFlags(env, toOverrides(flags));
  if (open.createDatabase !== true) {
    const { sqliteFileOf } = await import("../server/open-store.js");
    refuseMissingFile(sqliteFileOf(config.databaseUrl));
  }
  return config;
}

/** Opening a missing SQLite file creates an empty database, so a mistyped path would seem to have no users. */
function refuseMissingFile(path: string | undefined): void {
  if (path === undefined || existsSync(path)) return;
  throw new CliError(
    `no database at ${JSON.stringify(path)}: check --database or GATEHOUSE_DATABASE_URL (gatehouse serve and gatehouse demo create one)`,
  );
}

/**
 * Opens the database, runs `work` with a user service over it, and closes the database
 * whatever happens. It builds the user service alone, not a whole Gatehouse: creating a
 * Gatehouse adds a signing key when the configured algorithm differs from the stored one,
 * and `users add` run without the server's GATEHOUSE_ALGORITHM must not rotate its keys.
 */
export async function withUserService<T>(
  flags: ConfigFlags,
  io: CliIo,
  work: (session: UserSession) => Promise<T>,
  open: OpenOptions = {},
): Promise<T> {
  const config = await loadCommandConfig(flags, io, open);
  const core = await import("../core/index.js");
  const internal = await import("../core/internal.js");
  const profile = await profileFieldsOf(config);
  return withStore(config, async (store) => {
    const options = internal.resolveOptions({ store, ...config.gatehouse });
    const users = internal.createUserService({
      profile,
      store,
      hasher: core.createPasswordHasher(),
      clock: core.systemClock,
      knownScopes: new Set(Object.keys(options.scopes)),
      // The operator is the way back in (`users set-scopes`), and may need to lock out a sole admin.
      keepAnAdmin: false,
      audit: internal.createAuditLog({ store, clock: core.systemClock, enabled: options.audit }),
      defaultContext: CLI_CONTEXT,
    });
    return work({ users, toPublicUser: core.toPublicUser, isEnabledAdmin: internal.isEnabledAdmin });
  });
}

/** The profile fields of `GATEHOUSE_PROFILE_SCHEMA`, which the CLI's writes validate as the server's do. */
export async function profileFieldsOf(config: ServerConfig) {
  if (config.gatehouse.profile === undefined) return null;
  const { createProfileFields } = await import("../core/users/profile.js");
  return createProfileFields(config.gatehouse.profile);
}

/** Opens the database, runs `work` with the session directory over it (no Gatehouse, as for users), and closes it. */
export async function withSessionDirectory<T>(
  flags: ConfigFlags,
  io: CliIo,
  work: (sessions: SessionDirectory) => Promise<T>,
): Promise<T> {
  const config = await loadCommandConfig(flags, io);
  const core = await import("../core/index.js");
  const internal = await import("../core/internal.js");
  return withStore(config, async (store) => {
    const options = internal.resolveOptions({ store, ...config.gatehouse });
    return work(
      internal.createSessionDirectory({
        store,
        clock: core.systemClock,
        sessionMaxAge: options.sessionMaxAge,
        audit: internal.createAuditLog({ store, clock: core.systemClock, enabled: options.audit }),
        defaultContext: CLI_CONTEXT,
      }),
    );
  });
}

/** Opens the database, runs `work` with the audit log over it, and closes it. */
export async function withAuditLog<T>(
  flags: ConfigFlags,
  io: CliIo,
  work: (audit: AuditLog) => Promise<T>,
): Promise<T> {
  const config = await loadCommandConfig(flags, io);
  const core = await import("../core/index.js");
  const internal = await import("../core/internal.js");
  return withStore(config, (store) => work(internal.createAuditLog({ store, clock: core.systemClock })));
}

/** Opens the database, runs `work` with a Gatehouse over it (keys loaded), and closes it. */
export async function withGatehouse<T>(
  flags: ConfigFlags,
  io: CliIo,
  work: (gatehouse: Gatehouse) => Promise<T>,
): Promise<T> {
  const config = await loadCommandConfig(flags, io);
  const { createGatehouse } = await import("../core/index.js");
  return withStore(config, async (store) => work(await createGatehouse({ store, ...config.gatehouse })));
}

/** Opens the configured store, runs `work`, and closes the store whatever happens. */
export async function withStore<T>(config: ServerConfig, work: (store: GatehouseStore) => Promise<T>): Promise<T> {
  const { openStore } = await import("../server/open-store.js");
  const store = await openStore(config.databaseUrl);
  let result: T;
  try {
    result = await work(store);
  } catch (error) {
    // The command's own error is the one worth reporting; a failing close must not hide it.
    await store.close().catch(() => undefined);
    throw error;
  }
  await store.close();
  return result;
}
