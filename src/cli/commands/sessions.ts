import type { Command } from "commander";
import type { SessionInfo } from "../../core/index.js";
import { addConfigOptions, type ConfigFlags } from "../config-options.js";
import { CliError, type CliIo, writeLine } from "../io.js";
import { errorCode } from "../report-error.js";
import { withSessionDirectory } from "../store-session.js";
import { formatJson, formatTable } from "../user-format.js";

interface JsonFlags extends ConfigFlags {
  json?: boolean;
}

const COLUMNS = ["ID", "CREATED", "LAST USED", "EXPIRES", "CLIENT", "IP", "USER AGENT"] as const;

/** Registers `gatehouse sessions list USERNAME [--json]` and `gatehouse sessions revoke USERNAME SESSION_ID`. */
export function registerSessionsCommand(program: Command, io: CliIo): void {
  const sessions = program.command("sessions").description("list and end users' login sessions");

  addConfigOptions(
    sessions
      .command("list")
      .argument("<username>")
      .description("list a user's live login sessions, newest first")
      .option("--json", "print a JSON array of sessions"),
  ).action((username: string, flags: JsonFlags) =>
    withSessionDirectory(flags, io, async (directory) => {
      const list = await explainErrors(username, undefined, () => directory.list(username));
      if (flags.json) writeLine(io.stdout, formatJson(list.map(toJson)));
      else writeLine(io.stdout, list.length === 0 ? "No sessions." : formatSessionTable(list));
    }),
  );

  addConfigOptions(
    sessions
      .command("revoke")
      .argument("<username>")
      .argument("<session-id>")
      .description("end one session: its refresh token and access tokens stop working"),
  ).action((username: string, sessionId: string, flags: ConfigFlags) =>
    withSessionDirectory(flags, io, async (directory) => {
      await explainErrors(username, sessionId, () => directory.revoke(username, sessionId));
      writeLine(io.stdout, `Revoked session ${sessionId}`);
    }),
  );
}

/** The JSON the CLI prints: the API's field names and RFC 3339 times, without `current`. */
function toJson(session: SessionInfo) {
  return {
    id: session.id,
    created_at: iso(session.createdAt),
    last_used_at: iso(session.lastUsedAt),
    expires_at: iso(session.expiresAt),
    client_id: session.clientId,
    ip: session.ip,
    user_agent: session.userAgent,
    amr: session.amr,
  };
}

function formatSessionTable(list: readonly SessionInfo[]): string {
  return formatTable(
    COLUMNS,
    list.map((session) => [
      session.id,
      iso(session.createdAt),
      iso(session.lastUsedAt),
      iso(session.expiresAt),
      session.clientId ?? "",
      session.ip ?? "",
      // JSON quoting shows control characters a client put into its User-Agent instead of sending them to the terminal.
      session.userAgent === null ? "" : JSON.stringify(session.userAgent).slice(1, -1),
    ]),
  );
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

async function explainErrors<T>(username: string, sessionId: string | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (errorCode(error) === "user_not_found") throw new CliError(`user ${JSON.stringify(username)} not found`);
    if (errorCode(error) === "session_not_found") {
      throw new CliError(`user ${JSON.stringify(username)} has no live session ${JSON.stringify(sessionId)}`);
    }
    throw error;
  }
}
