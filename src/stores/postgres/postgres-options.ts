/** Options for {@link postgresStore}. */
export interface PostgresStoreOptions {
  /** The schema that holds Gatehouse's tables, created if missing. Default `gatehouse`. */
  schema?: string;
  /** Most connections the pool opens. Default 10. */
  maxConnections?: number;
  /**
   * How long an operation waits for a connection (opening one, or a free one in a busy
   * pool) before failing with `store_unavailable`, in ms. Default 5000.
   */
  connectTimeoutMs?: number;
}
