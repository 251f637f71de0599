import type { Command } from "commander";
import type { LoginAttemptStore } from "../../core/index.js";
import { addConfigOptions, type ConfigFlags } from "../config-options.js";
import { CliError, type CliIo, writeLine } from "../io.js";
import { CLI_CONTEXT, loadCommandConfig, withStore } from "../store-session.js";

/** Registers `gatehouse users unlock USERNAME`. */
export function registerUsersUnlockCommand(program: Command, io: CliIo): void {
  const users = program.commands.find((command) => command.name() === "users");
  if (users === undefined) throw new Error("the users command must be registered before users unlock");
  addConfigOptions(
    users
      .command("unlock")
      .argument("<username>")
      .description(
        "clear the login throttle's failure counters for a user (every address); needs shared counters: " +
          "PostgreSQL or GATEHOUSE_REDIS_URL (a SQLite server keeps them in its own memory)",
      ),
  ).action((username: string, flags: ConfigFlags) => unlockUser(username, flags, io));
}

async function unlockUser(username: string, flags: ConfigFlags, io: CliIo): Promise<void> {
  const config = await loadCommandConfig(flags, io);
  const core = await import("../../core/index.js");
  const internal = await import("../../core/internal.js");
  const keys = internal.userCounterKeys(username);
  await withStore(config, async (store) => {
    const user = keys === null ? null : await store.findUserByUsername(username);
    if (user === null || keys === null) throw new CliError(`user ${JSON.stringify(username)} not found`);
    // Where the servers count, by the server's own precedence: Redis, then the database.
    let redis:
      | Awaited<ReturnType<typeof import("../../stores/redis/redis-attempts.js").createRedisAttempts>>
      | undefined;
    let failures: LoginAttemptStore | undefined = store.loginAttempts?.failures;
    if (config.redisUrl !== undefined) {
      const { createRedisAttempts } = await import("../../stores/redis/redis-attempts.js");
      redis = await createRedisAttempts(config.redisUrl);
      failures = redis.failures;
    }
    try {
      if (failures?.deleteByPrefix === undefined) {
        throw new CliError(
          `the ${store.kind} server keeps its throttle counters in its own memory, which a command cannot reach: ` +
            "restart it to clear them, or hand the user a link with gatehouse users reset-link",
        );
      }
      await failures.delete([keys.key]);
      const cleared = await failures.deleteByPrefix(keys.pairPrefix);
      const audit = internal.createAuditLog({
        store,
        clock: core.systemClock,
        enabled: config.gatehouse.audit ?? true,
      });
      await audit.record(
        audit.event("account.unlocked", { username: user.username, context: CLI_CONTEXT, details: { via: "cli" } }),
      );
      writeLine(io.stdout, `Cleared the login throttle counters of ${user.username} (${cleared} per-address)`);
    } finally {
      await redis?.close();
    }
  });
}
