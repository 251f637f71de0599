/** `gatehouse/sqlite`: the embedded store (one file, several processes may share it). */
import { createSqliteStore } from "./sqlite-store.js";

export type { SqliteStoreOptions } from "./open-database.js";
export { createSqliteStore } from "./sqlite-store.js";

/** The name CONTRACT.md §4 gives the factory (`import { sqliteStore } from "gatehouse/sqlite"`). */
export const sqliteStore = createSqliteStore;
