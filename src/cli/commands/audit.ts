import type { Command } from "commander";
import type { AuditEventJson, AuditLog, AuditQuery } from "../../core/index.js";
import { addConfigOptions, type ConfigFlags } from "../config-options.js";
import { CliError, type CliIo, writeLine } from "../io.js";
import { withAuditLog } from "../store-session.js";
import { formatJson, formatTable } from "../user-format.js";

interface AuditFlags extends ConfigFlags {
  user?: string;
  type?: string;
  since?: string;
  limit?: string;
  json?: boolean;
}

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 100_000;
const COLUMNS = ["TIME", "TYPE", "USERNAME", "ACTOR", "IP", "SESSION", "DETAILS"] as const;

/** Registers `gatehouse audit [--user U] [--type T] [--since ISO-8601] [--limit N] [--json]`. */
export function registerAuditCommand(program: Command, io: CliIo): void {
  addConfigOptions(
    program
      .command("audit")
      .description("show the audit log, newest first")
      .option("--user <username>", "only events about this user (case-insensitive)")
      .option("--type <type>", "only events of this type, such as login.failed")
      .option("--since <time>", "only events at or after this ISO 8601 time, such as 2026-12-01T00:00:00Z")
      .option("--limit <n>", `at most this many events (default ${DEFAULT_LIMIT})`)
      .option("--json", "print a JSON array of events"),
  ).action((flags: AuditFlags) => showAudit(flags, io));
}

async function showAudit(flags: AuditFlags, io: CliIo): Promise<void> {
  const core = await import("../../core/index.js");
  if (flags.type !== undefined && !core.isAuditEventType(flags.type)) {
    throw new CliError(`unknown event type ${JSON.stringify(flags.type)} for --type`, 2);
  }
  const since = flags.since === undefined ? undefined : Date.parse(flags.since);
  if (since !== undefined && Number.isNaN(since)) {
    throw new CliError(
      `--since needs an ISO 8601 time such as 2026-12-01T00:00:00Z, not ${JSON.stringify(flags.since)}`,
      2,
    );
  }
  const limit = flags.limit === undefined ? DEFAULT_LIMIT : Number(flags.limit);
  if (!/^\d+$/.test(flags.limit ?? "1") || !Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new CliError(`--limit must be a whole number from 1 to ${MAX_LIMIT}`, 2);
  }
  const query: Omit<AuditQuery, "limit" | "cursor"> = {
    ...(flags.user === undefined ? {} : { username: flags.user }),
    ...(flags.type !== undefined && core.isAuditEventType(flags.type) ? { type: flags.type } : {}),
    ...(since === undefined ? {} : { since }),
  };
  const events = await withAuditLog(flags, io, (audit) => collect(audit, query, limit));
  const shown = events.map(core.toAuditEventJson);
  if (flags.json) writeLine(io.stdout, formatJson(shown));
  else writeLine(io.stdout, shown.length === 0 ? "No events." : formatEventTable(shown));
}

/** Up to `limit` events, page by page (the store caps a page). */
async function collect(audit: AuditLog, query: Omit<AuditQuery, "limit" | "cursor">, limit: number) {
  const events = [];
  let cursor: string | null = null;
  do {
    const page = await audit.list({ ...query, limit: Math.min(500, limit - events.length), cursor });
    events.push(...page.events);
    cursor = page.nextCursor;
  } while (cursor !== null && events.length < limit);
  return events;
}

function formatEventTable(events: readonly AuditEventJson[]): string {
  return formatTable(
    COLUMNS,
    events.map((event) => [
      event.time,
      event.type,
      // JSON quoting shows a tried username's control characters instead of sending them to the terminal.
      event.username === null ? "" : JSON.stringify(event.username).slice(1, -1),
      event.actor,
      event.ip ?? "",
      event.session_id ?? "",
      Object.keys(event.details).length === 0 ? "" : JSON.stringify(event.details),
    ]),
  );
}
