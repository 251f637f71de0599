import type { Command } from "commander";
import { addConfigOptions, type ConfigFlags } from "../config-options.js";
import { CliError, type CliIo, writeLine } from "../io.js";
import { CLI_CONTEXT, withGatehouse } from "../store-session.js";

/** Registers `gatehouse keys rotate`. */
export function registerKeysCommand(program: Command, io: CliIo): void {
  const keys = program.command("keys").description("manage signing keys");
  addConfigOptions(keys.command("rotate"))
    .description("start signing with a new key; old keys verify until their tokens expire")
    .action((flags: ConfigFlags) => rotateKeys(flags, io));
}

/** Adds a new signing key and prints its key id (`kid`). */
export async function rotateKeys(flags: ConfigFlags, io: CliIo): Promise<void> {
  // Checked up front so no database is opened (or created) for a rotation that cannot happen.
  if ((io.env.GATEHOUSE_SECRET_KEY ?? "") !== "") {
    throw new CliError("the HS256 key comes from GATEHOUSE_SECRET_KEY; change it there to rotate");
  }
  const kid = await withGatehouse(flags, io, (gatehouse) => gatehouse.rotateKeys(CLI_CONTEXT));
  writeLine(io.stdout, kid);
}
