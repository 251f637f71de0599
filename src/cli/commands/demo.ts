import type { Command } from "commander";
import { addConfigOptions, type ConfigFlags } from "../config-options.js";
import { type CliIo, writeLine } from "../io.js";
import { withUserService } from "../store-session.js";

/** Registers `gatehouse demo`. */
export function registerDemoCommand(program: Command, io: CliIo): void {
  addConfigOptions(program.command("demo"))
    .description("add the tutorial users johndoe and alice (disabled) if they are missing")
    .action((flags: ConfigFlags) => addDemo(flags, io));
}

/** Adds the missing tutorial users and says which ones it added. */
export async function addDemo(flags: ConfigFlags, io: CliIo): Promise<void> {
  const { addDemoUsers, DEMO_USERS } = await import("../../server/demo-users.js");
  const added = await withUserService(flags, io, ({ users }) => addDemoUsers({ users }), { createDatabase: true });
  if (added.length === 0) {
    writeLine(io.stdout, "The demo users are there already; nothing added.");
    return;
  }
  for (const user of DEMO_USERS.filter((demo) => added.includes(demo.username))) {
    const state = user.disabled ? ", disabled" : "";
    writeLine(io.stdout, `Added demo user ${user.username} (password "${user.password}"${state})`);
  }
}
