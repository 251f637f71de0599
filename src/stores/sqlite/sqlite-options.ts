/** Options for {@link sqliteStore}. */
export interface SqliteStoreOptions {
  /**
   * How long a write waits for another connection's write (the CLI, another server) to
   * finish before failing with `store_unavailable`, in ms. Default 5000.
   */
  busyTimeoutMs?: number;
}
