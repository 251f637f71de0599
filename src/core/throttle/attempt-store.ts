/** A counter as a {@link LoginAttemptStore} keeps it. */
export interface AttemptCounter {
  count: number;
  /** Milliseconds since the epoch at which the counter is forgotten. */
  expiresAt: number;
}

/**
 * Where throttling counters live: memory for one process, a shared backend (Redis,
 * PostgreSQL) when several processes serve one database. Each method is one atomic step
 * (in Redis: `INCR` + `PEXPIRE … GT`; `MGET`; `DEL`). Attempts still running are tracked in
 * each process, so with several processes a burst of concurrent guesses can overrun an
 * allowance by at most the attempts the other processes have running at that moment.
 */
export interface LoginAttemptStore {
  /**
   * Adds one to a counter (absent or expired counts as 0), keeps it until at least `now + ttlMs`,
   * returns it. `blocksAt` is the count from which the counter holds a block in force: a store
   * that forgets counters early to bound its memory must never forget one at or past it before
   * it expires (filling the store must not lift a block).
   */
  increment(key: string, ttlMs: number, now: number, blocksAt?: number): Promise<AttemptCounter>;
  /** The live counters of `keys`, `null` where absent or expired, in one round trip. */
  get(keys: readonly string[], now: number): Promise<Array<AttemptCounter | null>>;
  /** Forgets counters (a login clears its pair's failures). */
  delete(keys: readonly string[]): Promise<void>;
  /**
   * Forgets every counter whose key is `prefix` followed by a part without `|` (one user's
   * per-address counters: `p|USER|` + address), returning how many went. Optional: `gatehouse
   * users unlock` needs it of shared stores; an in-process store answers it for its own process.
   */
  deleteByPrefix?(prefix: string): Promise<number>;
}

/** Login throttling counters kept in a database, so that every process using it counts together. */
export interface SharedLoginAttempts {
  readonly failures: LoginAttemptStore;
  readonly knownLogins: LoginAttemptStore;
}
