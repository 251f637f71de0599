import { readFileSync } from "node:fs";
import { Command } from "commander";
import { registerAuditCommand } from "./commands/audit.js";
import { registerDemoCommand } from "./commands/demo.js";
import { registerKeysCommand } from "./commands/keys.js";
import { registerServeCommand } from "./commands/serve.js";
import { registerSessionsCommand } from "./commands/sessions.js";
import { registerUsersCommand } from "./commands/users.js";
import { registerUsersImportCommand } from "./commands/users-import.js";
import { registerUsersMfaResetCommand } from "./commands/users-mfa-reset.js";
import { registerUsersResetLinkCommand } from "./commands/users-reset-link.js";
import { registerUsersUnlockCommand } from "./commands/users-unlock.js";
import type { CliIo } from "./io.js";
import { reportError } from "./report-error.js";

/**
 * Runs the `gatehouse` CLI with the given arguments (without `node` and the script) and
 * returns the exit code: 0 success, 1 failure, 2 bad usage. It never exits the process.
 * @example
 * const code = await runCli(["users", "list", "--json"], createProcessIo());
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    await createProgram(io).parseAsync([...argv], { from: "user" });
    return 0;
  } catch (error) {
    return reportError(error, io);
  }
}

/** Builds the commander program; output goes to `io`, and errors throw instead of exiting. */
export function createProgram(io: CliIo): Command {
  const program = new Command("gatehouse")
    .description("OAuth2 password grant + JWT bearer authentication server")
    .version(packageVersion(), "-V, --version")
    .configureHelp({ sortSubcommands: false, showGlobalOptions: false })
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`gatehouse: ${text.replace(/^error: /, "")}`),
    })
    .showHelpAfterError("(add --help for usage)")
    .exitOverride();
  // Settings above are inherited by the subcommands registered below.
  registerServeCommand(program, io);
  registerUsersCommand(program, io);
  registerUsersImportCommand(program, io);
  registerUsersMfaResetCommand(program, io);
  registerUsersResetLinkCommand(program, io);
  registerUsersUnlockCommand(program, io);
  registerSessionsCommand(program, io);
  registerAuditCommand(program, io);
  registerKeysCommand(program, io);
  registerDemoCommand(program, io);
  return program;
}

function packageVersion(): string {
  const manifest: unknown = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  const version = typeof manifest === "object" && manifest !== null && "version" in manifest ? manifest.version : "";
  return typeof version === "string" ? version : "unknown";
}
