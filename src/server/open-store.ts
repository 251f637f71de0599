import { GatehouseError } from "../core/errors.js";
import type { GatehouseStore } from "../core/store.js";
import { memoryStore } from "../stores/memory/memory-store.js";
import { postgresStore } from "../stores/postgres/postgres-store.js";
import { sqliteStore } from "../stores/sqlite/sqlite-store.js";

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;
const MAX_SCHEME_SHOWN = 32;
const EXPECTED =
  "use sqlite:PATH (e.g. sqlite:./gatehouse.db), sqlite::memory:, memory: or postgres://USER:PASSWORD@HOST:PORT/DATABASE";

/**
 * Opens the store a database URL names: `sqlite:PATH` (relative to the working directory
 * or absolute), `sqlite::memory:`, `memory:`, or `postgres://…` / `postgresql://…` (any
 * URL `pg` accepts; the tables live in the schema `gatehouse`).
 * Each store loads its driver on first use, so a SQLite server never loads `pg`.
 * @throws GatehouseError `validation_failed` for a URL it cannot serve (naming only its
 * scheme, since the rest may hold a password); `store_unavailable` when the database cannot be
 * opened or its driver is not installed (the message names the package).
 * @example
 * const store = await openStore(process.env.GATEHOUSE_DATABASE_URL ?? "sqlite:./gatehouse.db");
 */
export async function openStore(databaseUrl: string): Promise<GatehouseStore> {
  const scheme = SCHEME.exec(databaseUrl)?.[1]?.toLowerCase();
  const rest = scheme === undefined ? "" : databaseUrl.slice(scheme.length + 1);
  switch (scheme) {
    case "sqlite":
      return sqliteStore(sqlitePath(rest));
    case "memory":
      if (rest !== "") throw invalid(`memory: takes nothing after the colon; ${EXPECTED}`);
      return memoryStore();
    case "postgres":
    case "postgresql":
      return postgresStore(databaseUrl);
    case undefined:
      throw invalid(`unsupported database URL: no scheme; ${EXPECTED}`);
    default:
      throw invalid(`unsupported database URL: ${scheme.slice(0, MAX_SCHEME_SHOWN)}`);
  }
}

/**
 * The file a `sqlite:PATH` URL names, or `undefined` for any other URL and for
 * `sqlite::memory:`, so a caller can check the file exists before opening (which creates it).
 * @throws GatehouseError `validation_failed` for a malformed sqlite: URL, as openStore does.
 */
export function sqliteFileOf(databaseUrl: string): string | undefined {
  const scheme = SCHEME.exec(databaseUrl)?.[1]?.toLowerCase();
  if (scheme !== "sqlite") return undefined;
  const path = sqlitePath(databaseUrl.slice(scheme.length + 1));
  return path === ":memory:" ? undefined : path;
}

function sqlitePath(rest: string): string {
  if (rest === "") throw invalid(`sqlite: needs a file path; ${EXPECTED}`);
  // "sqlite://x" reads as a host in URL syntax and "sqlite:///x" is relative in SQLAlchemy
  // but absolute as a file URL: refuse rather than guess which file the operator meant.
  if (rest.startsWith("//")) throw invalid(`sqlite: takes a plain path, not //; ${EXPECTED}`);
  return rest;
}

function invalid(message: string): GatehouseError {
  return new GatehouseError("validation_failed", message);
}
