import type { Command } from "commander";
import { addConfigOptions, type ConfigFlags } from "../config-options.js";
import { CliError, type CliIo, writeLine } from "../io.js";
import { errorCode } from "../report-error.js";
import { CLI_CONTEXT, loadCommandConfig, withStore } from "../store-session.js";

/** Registers `gatehouse users mfa-reset USERNAME`: removes a user's second factor (a lost phone). */
export function registerUsersMfaResetCommand(program: Command, io: CliIo): void {
  const users = program.commands.find((command) => command.name() === "users");
  if (users === undefined) throw new Error("the users command must be registered before users mfa-reset");
  addConfigOptions(
    users
      .command("mfa-reset")
      .argument("<username>")
      .description("remove a user's second factor and recovery codes (their next login needs only the password)"),
  ).action(async (username: string, flags: ConfigFlags) => {
    const config = await loadCommandConfig(flags, io);
    const core = await import("../../core/index.js");
    const internal = await import("../../core/internal.js");
    const removed = await withStore(config, async (store) => {
      const options = internal.resolveOptions({ store, ...config.gatehouse });
      const audit = internal.createAuditLog({ store, clock: core.systemClock, enabled: options.audit });
      try {
        return await internal.removeSecondFactor({ store, clock: core.systemClock, audit }, username, CLI_CONTEXT);
      } catch (error) {
        if (errorCode(error) === "user_not_found") throw new CliError(`user ${JSON.stringify(username)} not found`);
        throw error;
      }
    });
    writeLine(
      io.stdout,
      removed ? `Removed the second factor of ${username}` : `${username} had no second factor; nothing changed`,
    );
  });
}
