import type { Command } from "commander";
import type { UserRecord, UserService } from "../../core/index.js";
import { addConfigOptions, type ConfigFlags } from "../config-options.js";
import { CliError, type CliIo, writeLine } from "../io.js";
import { readPassword } from "../read-password.js";
import { errorCode } from "../report-error.js";
import { type UserSession, withUserService } from "../store-session.js";
import { formatJson, formatUserDetails, formatUserTable } from "../user-format.js";

interface AddFlags extends ConfigFlags {
  email?: string;
  fullName?: string;
  scopes?: string;
  disabled?: boolean;
  passwordStdin?: boolean;
}
interface JsonFlags extends ConfigFlags {
  json?: boolean;
}
interface PasswordFlags extends ConfigFlags {
  passwordStdin?: boolean;
}

const PAGE_SIZE = 500;

/** Registers `gatehouse users …`: add, list, show, disable, enable, set-password, set-scopes, remove, logout. */
export function registerUsersCommand(program: Command, io: CliIo): void {
  const users = program.command("users").description("manage users");

  addConfigOptions(
    users
      .command("add")
      .argument("<username>")
      .description("add a user (the password comes from standard input or a prompt)")
      // Checked in the action, not by commander, which would complain about it before a
      // missing username or a misspelt option (`--emial`), hiding the real mistake.
      .option("--email <email>", "e-mail address (required)")
      .option("--full-name <name>", "full name (default: empty)")
      .option("--scopes <scopes>", 'space-separated scopes (default: "me")')
      .option("--disabled", "create the user disabled")
      .option("--password-stdin", "read the password from standard input"),
  ).action((username: string, flags: AddFlags) => addUser(username, flags, io));

  addConfigOptions(
    users.command("list").description("list all users").option("--json", "print a JSON array of users"),
  ).action((flags: JsonFlags) =>
    withUserService(flags, io, async ({ users: service, toPublicUser }) => {
      const all = (await listAllUsers(service)).map(toPublicUser);
      if (flags.json) writeLine(io.stdout, formatJson(all));
      else writeLine(io.stdout, all.length === 0 ? "No users." : formatUserTable(all));
    }),
  );

  addConfigOptions(
    users
      .command("show")
      .argument("<username>")
      .description("show one user")
      .option("--json", "print the user as JSON"),
  ).action((username: string, flags: JsonFlags) =>
    withUserService(flags, io, async ({ users: service, toPublicUser }) => {
      const user = toPublicUser(await mustExist(service, username));
      writeLine(io.stdout, flags.json ? formatJson(user) : formatUserDetails(user));
    }),
  );

  for (const [name, disabled] of [
    ["disable", true],
    ["enable", false],
  ] as const) {
    addConfigOptions(
      users
        .command(name)
        .argument("<username>")
        .description(disabled ? "disable a user: no logins, no valid tokens" : "enable a disabled user"),
    ).action((username: string, flags: ConfigFlags) =>
      withUserService(flags, io, async (session) => {
        const service = session.users;
        const user = await warnIfLastAdminGoes(session, io, username, () =>
          explainUserErrors(username, () => service.update(username, { disabled })),
        );
        writeLine(io.stdout, `${disabled ? "Disabled" : "Enabled"} user ${user.username}`);
      }),
    );
  }

  addConfigOptions(
    users
      .command("set-password")
      .argument("<username>")
      .description("set a user's password; every token issued before stops working")
      .option("--password-stdin", "read the password from standard input"),
  ).action((username: string, flags: PasswordFlags) =>
    withUserService(flags, io, async ({ users: service }) => {
      await mustExist(service, username);
      const password = await readPassword(io, { fromStdin: flags.passwordStdin === true, confirm: true });
      const user = await explainUserErrors(username, () => service.setPassword(username, password));
      writeLine(io.stdout, `Changed the password of ${user.username}; earlier tokens no longer work`);
    }),
  );

  addConfigOptions(
    users
      .command("set-scopes")
      .argument("<username>")
      .argument("<scopes>", 'space-separated scopes, such as "me admin" (an empty string for none)')
      .description("replace a user's scopes (the way back in when no enabled admin is left)"),
  ).action((username: string, scopes: string, flags: ConfigFlags) =>
    withUserService(flags, io, async (session) => {
      const service = session.users;
      const user = await warnIfLastAdminGoes(session, io, username, () =>
        explainUserErrors(username, () => service.update(username, { scopes: parseScopes(scopes) })),
      );
      const list = user.scopes.length === 0 ? "no scopes" : `scopes ${user.scopes.join(" ")}`;
      writeLine(io.stdout, `Set the scopes of ${user.username}: ${list}`);
    }),
  );

  addConfigOptions(
    users.command("remove").argument("<username>").description("remove a user and all of their tokens"),
  ).action((username: string, flags: ConfigFlags) =>
    withUserService(flags, io, async (session) => {
      const service = session.users;
      const user = await mustExist(service, username);
      await warnIfLastAdminGoes(session, io, username, () =>
        explainUserErrors(username, () => service.remove(username)),
      );
      writeLine(io.stdout, `Removed user ${user.username}`);
    }),
  );

  addConfigOptions(
    users
      .command("logout")
      .argument("<username>")
      .description("log a user out everywhere: every token issued so far stops working"),
  ).action((username: string, flags: ConfigFlags) =>
    withUserService(flags, io, async ({ users: service }) => {
      const user = await explainUserErrors(username, () => service.invalidateTokens(username));
      writeLine(io.stdout, `Logged out ${user.username} everywhere`);
    }),
  );
}

async function addUser(username: string, flags: AddFlags, io: CliIo): Promise<void> {
  const email = flags.email;
  if (email === undefined) throw new CliError("required option '--email <email>' not specified", 2);
  await withUserService(flags, io, async ({ users: service }) => {
    // Refuse before asking for a password that would be thrown away.
    if (await service.get(username)) throw alreadyExists(username);
    const password = await readPassword(io, { fromStdin: flags.passwordStdin === true, confirm: true });
    const user = await explainUserErrors(username, () =>
      service.create({
        username,
        email,
        password,
        fullName: flags.fullName ?? "",
        scopes: flags.scopes === undefined ? ["me"] : parseScopes(flags.scopes),
        disabled: flags.disabled === true,
      }),
    );
    writeLine(io.stdout, `Added user ${user.username}`);
  });
}

/** Every user, page by page (the store caps a page; the CLI shows them all). */
async function listAllUsers(service: UserService): Promise<UserRecord[]> {
  const all: UserRecord[] = [];
  let cursor: string | null = null;
  do {
    const page = await service.list({ limit: PAGE_SIZE, cursor });
    all.push(...page.users);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return all;
}

/** The API refuses to take the last enabled admin away; the CLI may, and says so on stderr. */
async function warnIfLastAdminGoes<T>(
  { users: service, isEnabledAdmin }: UserSession,
  io: CliIo,
  username: string,
  change: () => Promise<T>,
): Promise<T> {
  const before = await service.get(username);
  const result = await change();
  if (before !== null && isEnabledAdmin(before) && !(await service.hasEnabledAdmin())) {
    writeLine(
      io.stderr,
      'gatehouse: warning: no enabled user holds the admin scope now; `gatehouse users set-scopes USERNAME "me admin"` makes one',
    );
  }
  return result;
}

function parseScopes(raw: string): string[] {
  return raw.split(/[\s,]+/).filter((scope) => scope !== "");
}

async function mustExist(service: UserService, username: string): Promise<UserRecord> {
  const user = await explainUserErrors(username, () => service.get(username));
  if (!user) throw notFound(username);
  return user;
}

/** Turns the core's name-free user errors into messages naming the user the operator typed. */
async function explainUserErrors<T>(username: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (errorCode(error) === "user_not_found") throw notFound(username);
    if (errorCode(error) === "user_exists") throw alreadyExists(username);
    throw error;
  }
}

// JSON quoting shows invisible characters instead of sending them to the terminal.
const notFound = (username: string) => new CliError(`user ${JSON.stringify(username)} not found`);
const alreadyExists = (username: string) => new CliError(`user ${JSON.stringify(username)} already exists`);
