import type { Clock } from "./clock.js";
import type { KeyManager } from "./keys/key-manager.js";
import type { CachedStore } from "./principals/subject-cache.js";
import type { GatehouseStore } from "./store.js";

// Expired revocations and refresh tokens are forgotten this often, so storage stays bounded.
const PURGE_INTERVAL_MS = 60_000;

/** What {@link createUpkeep} keeps in step. */
export interface UpkeepOptions {
  store: GatehouseStore;
  keys: KeyManager;
  /** The subject cache, when there is one: another process's writes clear it. */
  cached: CachedStore | null;
  clock: Clock;
  /** Milliseconds between runs on its own timer; 0 for none. */
  intervalMs: number;
  /** False where another process purges (one purge loop per database is enough). */
  purge: boolean;
  /** Milliseconds audit events are kept. */
  auditRetentionMs: number;
  onError: (error: unknown) => void;
}

/** Store upkeep for one process: run on a timer, or on demand. */
export interface Upkeep {
  /** One run now; concurrent callers share a run in progress. */
  syncWithStore(): Promise<void>;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Keeps one process in step with a store other processes write too: purges expired rows
 * (and audit events past their retention) now and then, and when the store's change counter moved, drops the subject cache and
 * reloads the signing keys (another process may have rotated). Cheap when nothing changed.
 * A failed run (the database briefly away) goes to `onError`; the next run tries again.
 */
export async function createUpkeep(options: UpkeepOptions): Promise<Upkeep> {
  const { store, keys, cached, clock } = options;
  let lastChangeVersion = await store.changeVersion();
  let lastPurge = 0;
  let running: Promise<void> | null = null;

  const runOnce = async () => {
    const now = clock.now();
    if (options.purge && now - lastPurge >= PURGE_INTERVAL_MS) {
      lastPurge = now;
      await store.purgeExpired(now);
      await store.purgeAuditEvents(now - options.auditRetentionMs);
    }
    const version = await store.changeVersion();
    if (version === lastChangeVersion) return;
    lastChangeVersion = version;
    cached?.clearSubjectCache();
    await keys.reload();
  };

  const syncWithStore = () => {
    running ??= runOnce().finally(() => {
      running = null;
    });
    return running;
  };

  const timer =
    options.intervalMs > 0
      ? setInterval(() => {
          syncWithStore().catch(options.onError);
        }, options.intervalMs)
      : null;
  // The timer alone never keeps a process alive; close() stops it.
  timer?.unref();

  return {
    syncWithStore,
    async stop() {
      if (timer !== null) clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
