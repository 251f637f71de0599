/** `gatehouse/sqlite`: the embedded store (one file, several processes may share it). */

export type { SqliteStoreOptions } from "./sqlite-options.js";
export { sqliteStore } from "./sqlite-store.js";
