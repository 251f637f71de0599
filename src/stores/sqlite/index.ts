/** `gatehouse/sqlite`: the embedded store (one file, several processes may share it). */

export type { SqliteStoreOptions } from "./open-database.js";
export { sqliteStore } from "./sqlite-store.js";
