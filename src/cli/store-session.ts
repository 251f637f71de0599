import type { GatehouseStore, PublicUser, UserRecord, UserService } from "../core/index.js";
import type { ServerConfig } from "../server/config.js";
import { type ConfigFlags, toOverrides } from "./config-options.js";
import type { CliIo } from "./io.js";

/** What a `users` command works with. */
export interface UserSession {
  users: UserService;
  /** The core's own conversion, so the CLI prints exactly what the API shows (never a hash). */
  toPublicUser(user: UserRecord): PublicUser;
  /** The core's rule for who counts as an admin. */
  isEnabledAdmin(user: UserRecord): boolean;
}

// Settings only `serve` uses: a bad PORT in the environment must not break `users list`.
const SERVE_ONLY_ENV = ["HOST", "PORT", "GATEHOUSE_TRUST_PROXY"] as const;

/** Reads the configuration of a management command (flags win over the environment). */
export async function loadCommandConfig(flags: ConfigFlags, io: CliIo): Promise<ServerConfig> {
  const { loadConfig } = await import("../server/config.js");
  const env = { ...io.env };
  for (const name of SERVE_ONLY_ENV) delete env[name];
  return loadConfig(env, toOverrides(flags));
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
): Promise<T> {
  const config = await loadCommandConfig(flags, io);
  const core = await import("../core/index.js");
  return withStore(config, async (store) => {
    const options = core.resolveOptions({ store, ...config.gatehouse });
    const users = core.createUserService({
      store,
      hasher: core.createPasswordHasher(),
      clock: core.systemClock,
      knownScopes: new Set(Object.keys(options.scopes)),
      // The operator is the way back in (`users set-scopes`), and may need to lock out a sole admin.
      keepAnAdmin: false,
    });
    return work({ users, toPublicUser: core.toPublicUser, isEnabledAdmin: core.isEnabledAdmin });
  });
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
