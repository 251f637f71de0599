import type { Command } from "commander";
import { addConfigOptions, type ConfigFlags } from "../config-options.js";
import { CliError, type CliIo, writeLine } from "../io.js";
import { errorCode } from "../report-error.js";
import { CLI_CONTEXT, loadCommandConfig, withStore } from "../store-session.js";

/** Registers `gatehouse users reset-link USERNAME`. */
export function registerUsersResetLinkCommand(program: Command, io: CliIo): void {
  const users = program.commands.find((command) => command.name() === "users");
  if (users === undefined) throw new Error("the users command must be registered before users reset-link");
  addConfigOptions(
    users
      .command("reset-link")
      .argument("<username>")
      .description(
        "print a one-time password reset link (30 minutes) to hand to the user; no mail is sent. " +
          "The link starts with GATEHOUSE_APP_URL (default GATEHOUSE_ISSUER)",
      ),
  ).action((username: string, flags: ConfigFlags) => printResetLink(username, flags, io));
}

async function printResetLink(username: string, flags: ConfigFlags, io: CliIo): Promise<void> {
  const config = await loadCommandConfig(flags, io);
  const core = await import("../../core/index.js");
  const internal = await import("../../core/internal.js");
  const appUrl = config.gatehouse.accounts?.appUrl ?? config.gatehouse.issuer ?? core.DEFAULT_ISSUER;
  const link = await withStore(config, async (store) => {
    try {
      return await internal.createOperatorResetLink(
        { store, appUrl, audit: config.gatehouse.audit ?? true },
        username,
        CLI_CONTEXT,
      );
    } catch (error) {
      if (errorCode(error) === "user_not_found") throw new CliError(`user ${JSON.stringify(username)} not found`);
      if (errorCode(error) === "inactive_user")
        throw new CliError(`user ${JSON.stringify(username)} is disabled; enable them first (gatehouse users enable)`);
      throw error;
    }
  });
  writeLine(io.stdout, link);
}
