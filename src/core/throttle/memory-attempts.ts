import type { AttemptCounter, LoginAttemptStore } from "./attempt-store.js";

/** Options for {@link createMemoryAttemptStore}. */
export interface MemoryAttemptStoreOptions {
  /** Most counters kept; past it the least recently bumped one is forgotten. Default 100 000. */
  maxKeys?: number;
}

/** A {@link LoginAttemptStore} in this process's memory, with its size for tests and metrics. */
export interface MemoryAttemptStore extends LoginAttemptStore {
  /** Counters held now, expired ones included until they are touched or pushed out. */
  readonly size: number;
}

/**
 * The default throttling store: counters in a Map used as an LRU list, so memory stays
 * bounded under a flood of distinct usernames and addresses (about 300 bytes a counter).
 * Every method runs in one synchronous step, so each is atomic. One process only: several
 * processes need a shared store.
 * @example
 * const gatehouse = await createGatehouse({ store, throttle: { failures: createMemoryAttemptStore({ maxKeys: 10_000 }) } });
 */
export function createMemoryAttemptStore(options: MemoryAttemptStoreOptions = {}): MemoryAttemptStore {
  const maxKeys = options.maxKeys ?? 100_000;
  if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new TypeError("maxKeys must be a positive integer");
  // Map keeps insertion order: re-inserting on every bump makes the first key the least recently bumped.
  const counters = new Map<string, AttemptCounter>();

  const live = (key: string, now: number): AttemptCounter | undefined => {
    const counter = counters.get(key);
    if (counter !== undefined && counter.expiresAt <= now) {
      counters.delete(key);
      return undefined;
    }
    return counter;
  };

  return {
    get size() {
      return counters.size;
    },

    async increment(key, ttlMs, now) {
      const current = live(key, now);
      counters.delete(key);
      const next: AttemptCounter = {
        count: (current?.count ?? 0) + 1,
        expiresAt: Math.max(current?.expiresAt ?? 0, now + ttlMs),
      };
      counters.set(key, next);
      while (counters.size > maxKeys) {
        const oldest = counters.keys().next();
        if (oldest.done) break;
        counters.delete(oldest.value);
      }
      return { ...next };
    },

    async get(keys, now) {
      return keys.map((key) => {
        const counter = live(key, now);
        return counter === undefined ? null : { ...counter };
      });
    },

    async delete(keys) {
      for (const key of keys) counters.delete(key);
    },
  };
}
