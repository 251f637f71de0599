import { GatehouseError } from "../core/errors.js";

/** A database driver a store loads on first use, and what to tell someone who lacks it. */
export interface DriverPackage {
  /** The npm package, as it is imported and installed: `pg`, `ioredis`, `better-sqlite3`. */
  name: string;
  /** Who needs it, for the message: "the PostgreSQL store". */
  neededBy: string;
}

/**
 * Imports a store's database driver. `pg` and `ioredis` are optional peer dependencies and
 * `better-sqlite3` an optional dependency (dropped when it cannot be built), so a missing one
 * is a setup mistake, told with the command that fixes it rather than Node's "Cannot find package".
 * @throws GatehouseError `store_unavailable` naming the package to install when it is not installed.
 * @example
 * const pg = await loadDriver(() => import("pg"), { name: "pg", neededBy: "the PostgreSQL store" });
 */
export async function loadDriver<T>(load: () => Promise<T>, driver: DriverPackage): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!isMissingPackage(error, driver.name)) throw error;
    // No cause: Node's "Cannot find package" adds nothing to this, and the CLI would print both.
    throw new GatehouseError(
      "store_unavailable",
      `${driver.neededBy} needs the ${driver.name} package, which is not installed: npm install ${driver.name}`,
    );
  }
}

/**
 * True when `error` says the package itself cannot be found, not one of its own imports
 * (that is a broken installation, reported as it is).
 */
function isMissingPackage(error: unknown, name: string): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === "ERR_MODULE_NOT_FOUND" && typeof message === "string" && message.includes(`'${name}'`);
}
