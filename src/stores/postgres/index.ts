/** `gatehouse/postgres`: the shared store for several Gatehouse processes or machines. */

export type { PostgresStoreOptions } from "./postgres-options.js";
export { postgresStore } from "./postgres-store.js";
