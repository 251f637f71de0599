import { closeSync, existsSync, openSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import { GatehouseError } from "../../core/errors.js";
import { migrate } from "./migrations.js";
import { toStoreError } from "./sqlite-errors.js";

/** Options for {@link sqliteStore} and {@link openSqliteDatabase}. */
export interface SqliteStoreOptions {
  /**
   * How long a write waits for another connection's write (the CLI, another server) to
   * finish before failing with `store_unavailable`, in ms. Default 5000.
   */
  busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens (creating if needed) a Gatehouse SQLite database: WAL, synchronous FULL, foreign
 * keys, busy timeout, schema migrated. `:memory:` gives a private in-memory database.
 * @throws GatehouseError `store_unavailable` when the file cannot be opened or migrated.
 */
export function openSqliteDatabase(path: string, options: SqliteStoreOptions = {}): Database.Database {
  const inMemory = path === ":memory:";
  if (!inMemory) prepareFile(path);
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
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
