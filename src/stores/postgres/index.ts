/** `gatehouse/postgres`: the shared store for several Gatehouse processes or machines. */
import { createPostgresStore } from "./postgres-store.js";

export type { PostgresStoreOptions } from "./open-pool.js";
export { createPostgresStore } from "./postgres-store.js";

/** The name CONTRACT.md §4 gives the factory (`import { postgresStore } from "gatehouse/postgres"`). */
export const postgresStore = createPostgresStore;
