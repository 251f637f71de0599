import type { Clock } from "./clock.js";
import type { KeyManager } from "./keys/key-manager.js";
import type { CachedStore } from "./principals/subject-cache.js";
import type { GatehouseStore } from "./store.js";

// Expired revocations and refresh tokens are forgotten this often, so storage stays bounded.
const PURGE_INTERVAL_MS = 60_000;

/** What {@link createStoreSync} keeps in step. */
export interface StoreSyncOptions {
  store: GatehouseStore;
  keys: KeyManager;
  /** The subject cache, when there is one: another process's writes clear it. */
  cached: CachedStore | null;
  clock: Clock;
}

/**
 * Keeps one process in step with a store other processes write too: purges expired rows
 * now and then, and when the store's change counter moved, drops the subject cache and
 * reloads the signing keys (another process may have rotated). Cheap when nothing changed.
 */
export async function createStoreSync({ store, keys, cached, clock }: StoreSyncOptions): Promise<() => Promise<void>> {
  let lastChangeVersion = await store.changeVersion();
  let lastPurge = 0;
  return async () => {
    const now = clock.now();
    if (now - lastPurge >= PURGE_INTERVAL_MS) {
      lastPurge = now;
      await store.purgeExpired(now);
    }
    const version = await store.changeVersion();
    if (version === lastChangeVersion) return;
    lastChangeVersion = version;
    cached?.clearSubjectCache();
    await keys.reload();
  };
}
