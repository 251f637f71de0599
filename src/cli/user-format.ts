import type { PublicUser } from "../core/index.js";

const COLUMNS = ["USERNAME", "EMAIL", "FULL NAME", "DISABLED", "SCOPES"] as const;
const EMPTY = "-";

/** Renders users as an aligned table with a header row (no trailing spaces). */
export function formatUserTable(users: readonly PublicUser[]): string {
  return formatTable(
    COLUMNS,
    users.map((user) => [
      user.username,
      user.email,
      user.full_name === "" ? EMPTY : user.full_name,
      user.disabled ? "yes" : "no",
      user.scopes.length === 0 ? EMPTY : user.scopes.join(" "),
    ]),
  );
}

/** Renders rows as an aligned table under a header row (no trailing spaces); empty cells show as "-". */
export function formatTable(columns: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const table = [[...columns], ...rows.map((row) => row.map((cell) => (cell === "" ? EMPTY : cell)))];
  const widths = columns.map((_, column) => Math.max(...table.map((row) => width(row[column] ?? ""))));
  return table
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : pad(cell, widths[column] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** Renders one user as `label: value` lines. */
export function formatUserDetails(user: PublicUser): string {
  return [
    `username:   ${user.username}`,
    `email:      ${user.email === "" ? EMPTY : user.email}`,
    `full name:  ${user.full_name === "" ? EMPTY : user.full_name}`,
    `disabled:   ${user.disabled ? "yes" : "no"}`,
    `scopes:     ${user.scopes.length === 0 ? EMPTY : user.scopes.join(" ")}`,
  ].join("\n");
}

/** JSON as the CLI prints it: two-space indentation. */
export function formatJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

// Code points, not UTF-16 units: "é" or an emoji takes one column in most terminals.
function width(text: string): number {
  return Array.from(text).length;
}

function pad(text: string, to: number): string {
  return text + " ".repeat(Math.max(0, to - width(text)));
}
