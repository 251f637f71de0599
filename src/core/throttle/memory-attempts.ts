import type { AttemptCounter, LoginAttemptStore } from "./attempt-store.js";

/** Options for {@link createMemoryAttemptStore}. */
export interface MemoryAttemptStoreOptions {
  /**
   * Most counters kept; past it the least recently bumped counter below its block is forgotten.
   * Counters holding a block are never forgotten early. Default 100 000.
   */
  maxKeys?: number;
}

/** A {@link LoginAttemptStore} in this process's memory, with its size for tests and metrics. */
export interface MemoryAttemptStore extends LoginAttemptStore {
  /** Counters held now, expired ones included until they are touched or pushed out. */
  readonly size: number;
}

/**
 * The default throttling store: counters in Maps used as LRU lists, so memory stays bounded
 * under a flood of distinct usernames and addresses (about 300 bytes a counter). Every method
 * runs in one synchronous step, so each is atomic. One process only: several processes need a
 * shared store.
 *
 * A flood of failures from fresh addresses (cheap: IPv6 hands out /64s by the million) must not
 * push out the counter of a block in force and so give its pair a fresh allowance. So counters
 * at or past their `blocksAt` live apart and are never forgotten before they expire; only
 * counters below it are pushed out, least recently bumped first. When nothing else is left to
 * push out, the table grows past `maxKeys` rather than lift a block: each such counter took
 * `blocksAt` counted failures, and every counted failure costs a password hash, so the hashing
 * rate bounds that growth.
 * @example
 * const gatehouse = await createGatehouse({ store, throttle: { failures: createMemoryAttemptStore({ maxKeys: 10_000 }) } });
 */
export function createMemoryAttemptStore(options: MemoryAttemptStoreOptions = {}): MemoryAttemptStore {
  const maxKeys = options.maxKeys ?? 100_000;
  if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new TypeError("maxKeys must be a positive integer");
  // Map keeps insertion order: re-inserting on every bump makes the first key the least recently bumped.
  const open = new Map<string, AttemptCounter>();
  const blocking = new Map<string, AttemptCounter>();

  const live = (key: string, now: number): { counter: AttemptCounter; blocks: boolean } | undefined => {
    const blocks = blocking.has(key);
    const counter = blocks ? blocking.get(key) : open.get(key);
    if (counter === undefined) return undefined;
    if (counter.expiresAt <= now) {
      (blocks ? blocking : open).delete(key);
      return undefined;
    }
    return { counter, blocks };
  };

  // Increments since the last sweep of expired blocks; a sweep costs one pass, so at most one per maxKeys.
  let sinceSweep = 0;
  const sweepExpiredBlocks = (now: number) => {
    sinceSweep = 0;
    for (const [key, counter] of blocking) if (counter.expiresAt <= now) blocking.delete(key);
  };

  /** Forgets counters until at most `maxKeys` remain, keeping `kept` and every live block. */
  const trim = (kept: string, now: number) => {
    sinceSweep++;
    while (open.size + blocking.size > maxKeys) {
      const oldest = open.keys().next();
      if (!oldest.done && oldest.value !== kept) {
        open.delete(oldest.value);
        continue;
      }
      const block = blocking.entries().next();
      if (!block.done && block.value[1].expiresAt <= now && block.value[0] !== kept) {
        blocking.delete(block.value[0]);
        continue;
      }
      // Only live blocks left (by last bump, not by expiry): look for expired ones further in, now and then.
      if (sinceSweep < maxKeys) return;
      const before = blocking.size;
      sweepExpiredBlocks(now);
      if (blocking.size === before) return;
    }
  };

  return {
    get size() {
      return open.size + blocking.size;
    },

    async increment(key, ttlMs, now, blocksAt) {
      const current = live(key, now);
      open.delete(key);
      blocking.delete(key);
      const next: AttemptCounter = {
        count: (current?.counter.count ?? 0) + 1,
        expiresAt: Math.max(current?.counter.expiresAt ?? 0, now + ttlMs),
      };
      const blocks = current?.blocks === true || (blocksAt !== undefined && next.count >= blocksAt);
      (blocks ? blocking : open).set(key, next);
      trim(key, now);
      return { ...next };
    },

    async get(keys, now) {
      return keys.map((key) => {
        const found = live(key, now);
        return found === undefined ? null : { ...found.counter };
      });
    },

    async delete(keys) {
      for (const key of keys) {
        open.delete(key);
        blocking.delete(key);
      }
    },

    async deleteByPrefix(prefix) {
      let deleted = 0;
      for (const map of [open, blocking]) {
        for (const key of [...map.keys()]) {
          if (key.startsWith(prefix) && !key.slice(prefix.length).includes("|") && map.delete(key)) deleted++;
        }
      }
      return deleted;
    },
  };
}
