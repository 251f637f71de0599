import { closeSync, existsSync, openSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type Database from "better-sqlite3";
import { GatehouseError } from "../../core/errors.js";
import { loadDriver } from "../load-driver.js";
import { migrate } from "./migrations.js";
import { toStoreError } from "./sqlite-errors.js";
import type { SqliteStoreOptions } from "./sqlite-options.js";

const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
const BETTER_SQLITE3 = { name: "better-sqlite3", neededBy: "the SQLite store (gatehouse/sqlite)" };

/**
 * Opens (creating if needed) a Gatehouse SQLite database: WAL, synchronous FULL, foreign
 * keys, busy timeout, schema migrated. `:memory:` gives a private in-memory database.
 * better-sqlite3 is loaded here, on first use, so that importing `gatehouse/sqlite` (or the
 * server) costs nothing until a SQLite database is opened.
 * @throws GatehouseError `store_unavailable` when the file cannot be opened or migrated, or
 * when better-sqlite3 is missing or its native addon is not built (naming the command that fixes it).
 */
export async function openSqliteDatabase(path: string, options: SqliteStoreOptions = {}): Promise<Database.Database> {
  const { default: Driver } = await loadDriver(() => import("better-sqlite3"), BETTER_SQLITE3);
  const inMemory = path === ":memory:";
  if (!inMemory) prepareFile(path);
  let db: Database.Database | undefined;
  try {
    db = openDriver(Driver, path, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
    // WAL lets the server keep reading while the CLI writes, and readers never block a writer.
    db.pragma("journal_mode = WAL");
    // FULL, not NORMAL. Under WAL, NORMAL skips the fsync at each commit: a killed process
    // loses nothing (its writes already sit in the OS page cache) but a power cut or kernel
    // panic can drop the last commits. An acknowledged password change, logout-everywhere
    // or disable must not come back after any crash, and writes are rare next to reads
    // (every request reads the user; few write), so one WAL fsync per commit is cheap.
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    migrate(db, Date.now());
    return db;
  } catch (error) {
    db?.close();
    throw toStoreError(error);
  }
}

/**
 * Opens the connection. The constructor loads the native addon, which is missing when the
 * package was installed with `--ignore-scripts`, or unloadable when built for another Node.js.
 */
function openDriver(Driver: typeof Database, path: string, timeout: number): Database.Database {
  try {
    return new Driver(path, { timeout });
  } catch (error) {
    const message = error instanceof Error ? error.message : "";
    // The driver's message lists every path it tried, which says nothing more: not kept as the cause.
    if (message.startsWith("Could not locate the bindings file")) {
      throw new GatehouseError(
        "store_unavailable",
        "better-sqlite3's native addon is not built (installed with --ignore-scripts?): npm rebuild better-sqlite3",
      );
    }
    if (message.includes("NODE_MODULE_VERSION")) {
      throw new GatehouseError(
        "store_unavailable",
        "better-sqlite3's native addon was built for another Node.js version: npm rebuild better-sqlite3",
        { cause: error },
      );
    }
    throw error;
  }
}

function prepareFile(path: string): void {
  const directory = dirname(resolve(path));
  // Creating directories is the operator's decision; a typo in the path should fail loudly.
  if (!existsSync(directory)) {
    throw new GatehouseError("store_unavailable", `the database directory does not exist: ${directory}`);
  }
  try {
    // The file holds password hashes and private signing keys, so a new one is readable by
    // its owner only; SQLite gives the -wal and -shm files the same mode as the database.
    closeSync(openSync(path, "wx", 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw toStoreError(error);
  }
}
