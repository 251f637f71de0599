import { type Command, Option } from "commander";
import type { AuditEvents, GatehouseStore, NewUser } from "../../core/index.js";
import type { ImportedUserCheck } from "../../core/users/user-import.js";
import { addConfigOptions, type ConfigFlags } from "../config-options.js";
import { type ImportRecord, readImportFile } from "../import-file.js";
import { CliError, type CliIo, type TextOutput, writeLine } from "../io.js";
import { loadCommandConfig, profileFieldsOf, withStore } from "../store-session.js";

/** The flags of `users import`. */
export interface ImportFlags extends ConfigFlags {
  onConflict: "skip" | "fail";
  dryRun?: boolean;
}

/** What an import did, or in a dry run would do. */
export interface ImportSummary {
  imported: number;
  skipped: number;
  rejected: number;
}

// Users per createUsers call (one transaction, so one fsync on SQLite; the store takes up to
// 1000), and lookups in flight at once when checking for conflicts before writing.
const CHUNK_SIZE = 500;
const MAX_NOTES = 100;

/** Registers `gatehouse users import FILE` under the `users` command (call after registering it). */
export function registerUsersImportCommand(program: Command, io: CliIo): void {
  const users = program.commands.find((command) => command.name() === "users");
  if (users === undefined) throw new Error("the users command must be registered before users import");
  addConfigOptions(
    users
      .command("import")
      .argument(
        "<file>",
        "JSON or CSV export with username and hashed_password, optionally email, full_name, disabled, scopes",
      )
      .description(
        "import users with their bcrypt, argon2 or pbkdf2-sha256 hashes; they log in with their old passwords",
      )
      .addOption(
        new Option("--on-conflict <mode>", "a username that exists already: skip it, or fail before writing anything")
          .choices(["skip", "fail"])
          .default("skip"),
      )
      .option("--dry-run", "check the file against the database and report, without writing"),
  ).action(async (file: string, flags: ImportFlags) => {
    await importUsers(file, flags, io);
  });
}

/**
 * Imports the users of a JSON or CSV export, keeping each password hash as it is (the first
 * successful login replaces it by argon2id). Notes on skipped and rejected records and the
 * progress go to stderr, the summary `imported N, skipped M, rejected K` to stdout.
 * @throws CliError (exit 1) when a record was rejected, or with `--on-conflict fail` on any conflict.
 */
export async function importUsers(path: string, flags: ImportFlags, io: CliIo): Promise<ImportSummary> {
  const file = await readImportFile(path);
  const config = await loadCommandConfig(flags, io);
  const core = await import("../../core/index.js");
  const internal = await import("../../core/internal.js");
  const status = createStatus(io.stderr, flags.onConflict);
  const summary = await withStore(config, async (store): Promise<ImportSummary> => {
    const options = internal.resolveOptions({ store, ...config.gatehouse });
    const knownScopes = new Set(Object.keys(options.scopes));
    const audit = internal.createAuditLog({ store, clock: core.systemClock, enabled: options.audit });
    const created = (user: NewUser) =>
      audit.event("user.created", {
        username: user.username,
        context: { actor: "cli" },
        details: { scopes: user.scopes, disabled: user.disabled, imported: true },
      });
    const profile = await profileFieldsOf(config);
    const candidates = await planImport(
      file.records,
      (fields) => internal.validateImportedProfile(internal.validateImportedUser(fields, knownScopes), fields, profile),
      { status, usernameKey: core.usernameKey },
    );
    const checked =
      flags.onConflict === "fail" || flags.dryRun ? await dropExisting(store, candidates, status) : candidates;
    if (flags.onConflict === "fail" && (status.rejected > 0 || status.conflicts > 0)) {
      status.finish();
      throw new CliError(`nothing imported: ${describeProblems(status)} (--on-conflict fail)`);
    }
    const imported = flags.dryRun
      ? checked.length
      : await writeUsers(store, checked, status, () => core.systemClock.now(), created, io);
    return { imported, skipped: status.conflicts, rejected: status.rejected };
  });
  status.finish();
  writeLine(io.stdout, flags.dryRun ? describeDryRun(summary) : describeSummary(summary));
  if (summary.rejected > 0) {
    const verb = flags.dryRun ? "would be" : summary.rejected === 1 ? "was" : "were";
    throw new CliError(`${plural(summary.rejected, "record")} ${verb} rejected (see the notes above)`);
  }
  return summary;
}

/** A user ready to be written, and where it came from. */
interface Candidate {
  where: string;
  user: NewUser;
}

interface PlanOptions {
  status: ImportStatus;
  usernameKey: (username: string) => string;
}

/** Validates every record and drops repeats of a username within the file (the first one wins). */
async function planImport(
  records: readonly ImportRecord[],
  validate: (fields: Readonly<Record<string, unknown>>) => Promise<ImportedUserCheck>,
  { status, usernameKey }: PlanOptions,
): Promise<Candidate[]> {
  const candidates: Candidate[] = [];
  const firstSeen = new Map<string, string>();
  for (const { where, fields, problem } of records) {
    if (fields === null) {
      status.reject(where, null, problem ?? "malformed record");
      continue;
    }
    const check = await validate(fields);
    if (!check.ok) {
      status.reject(where, check.username, check.reason);
      continue;
    }
    const key = usernameKey(check.user.username);
    const first = firstSeen.get(key);
    if (first !== undefined) {
      status.conflict(where, check.user.username, `same username as ${first}`);
      continue;
    }
    firstSeen.set(key, where);
    candidates.push({ where, user: check.user });
  }
  return candidates;
}

/** Looks every candidate up, so a dry run or `--on-conflict fail` knows the conflicts before writing. */
async function dropExisting(
  store: GatehouseStore,
  candidates: readonly Candidate[],
  status: ImportStatus,
): Promise<Candidate[]> {
  const fresh: Candidate[] = [];
  for (let start = 0; start < candidates.length; start += CHUNK_SIZE) {
    const chunk = candidates.slice(start, start + CHUNK_SIZE);
    const found = await Promise.all(chunk.map(({ user }) => store.findUserByUsername(user.username)));
    chunk.forEach((candidate, index) => {
      if (found[index]) status.conflict(candidate.where, candidate.user.username, "already exists");
      else fresh.push(candidate);
    });
    status.progress("checking", start + chunk.length, candidates.length);
  }
  return fresh;
}

/** Creates the users, chunk by chunk; each chunk is one transaction, and a taken username is skipped. */
async function writeUsers(
  store: GatehouseStore,
  candidates: readonly Candidate[],
  status: ImportStatus,
  now: () => number,
  created: (user: NewUser) => AuditEvents,
  io: CliIo,
): Promise<number> {
  let imported = 0;
  try {
    for (let start = 0; start < candidates.length; start += CHUNK_SIZE) {
      const chunk = candidates.slice(start, start + CHUNK_SIZE);
      const users = chunk.map(({ user }) => user);
      const outcomes = await store.createUsers(users, now(), users.map(created));
      imported += outcomes.filter((outcome) => outcome === "created").length;
      for (const [index, outcome] of outcomes.entries()) {
        if (outcome === "created") continue;
        const { where, user } = chunk[index]!;
        // With --on-conflict fail every username was free when looked up: another writer took it since.
        if (status.mode === "fail") {
          throw new CliError(`${where}: user ${JSON.stringify(user.username)} was added by someone else meanwhile`);
        }
        status.conflict(where, user.username, "already exists");
      }
      status.progress("importing", start + chunk.length, candidates.length);
    }
  } catch (error) {
    status.finish();
    writeLine(
      io.stdout,
      `${describeSummary({ imported, skipped: status.conflicts, rejected: status.rejected })} (stopped)`,
    );
    throw error;
  }
  return imported;
}

/** The notes and progress of one import, on stderr, with the tallies the summary reports. */
interface ImportStatus {
  readonly mode: "skip" | "fail";
  readonly rejected: number;
  /** Skipped records (`--on-conflict skip`) or conflicts that stop the import (`fail`). */
  readonly conflicts: number;
  reject(where: string, username: string | null, reason: string): void;
  conflict(where: string, username: string, reason: string): void;
  progress(verb: string, done: number, total: number): void;
  /** Clears a progress counter and says how many notes were left out. */
  finish(): void;
}

function createStatus(output: TextOutput, mode: "skip" | "fail"): ImportStatus {
  const terminal = "isTTY" in output && output.isTTY === true;
  let rejected = 0;
  let conflicts = 0;
  let notes = 0;
  let counterShown = false;
  let lastShown = 0;
  const clearCounter = () => {
    if (counterShown) output.write("\r\u001b[K");
    counterShown = false;
  };
  const note = (where: string, label: string, username: string | null, reason: string) => {
    notes++;
    if (notes > MAX_NOTES) return;
    clearCounter();
    // Only a username that passed validation is shown, JSON-quoted; never any other field's value.
    const who = username === null ? "" : ` ${JSON.stringify(username)}`;
    writeLine(output, `${where}: ${label}${who}: ${reason}`);
  };
  return {
    mode,
    get rejected() {
      return rejected;
    },
    get conflicts() {
      return conflicts;
    },
    reject(where, username, reason) {
      rejected++;
      note(where, "rejected", username, reason);
    },
    conflict(where, username, reason) {
      conflicts++;
      note(where, mode === "skip" ? "skipped" : "conflict", username, reason);
    },
    progress(verb, done, total) {
      if (terminal) {
        output.write(`\r${verb} ${done}/${total} users`);
        counterShown = true;
        return;
      }
      // Logs get about ten lines for a large file, none for a small one.
      const step = Math.max(1000, Math.ceil(total / 10 / 1000) * 1000);
      if (done < total && Math.floor(done / step) > Math.floor(lastShown / step)) {
        writeLine(output, `${verb} ${done}/${total} users`);
      }
      lastShown = done >= total ? 0 : done;
    },
    finish() {
      clearCounter();
      if (notes > MAX_NOTES) writeLine(output, `(${notes - MAX_NOTES} more notes not shown)`);
    },
  };
}

function describeSummary({ imported, skipped, rejected }: ImportSummary): string {
  return `imported ${imported}, skipped ${skipped}, rejected ${rejected}`;
}

function describeDryRun({ imported, skipped, rejected }: ImportSummary): string {
  return `dry run: would import ${imported}, skip ${skipped}, reject ${rejected}; nothing written`;
}

function describeProblems({ conflicts, rejected }: ImportStatus): string {
  const parts: string[] = [];
  if (conflicts > 0) parts.push(`${plural(conflicts, "username")} taken`);
  if (rejected > 0) parts.push(`${plural(rejected, "record")} rejected`);
  return parts.join(", ");
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
