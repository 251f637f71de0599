import { createGatehouse, type Gatehouse, type SharedLoginAttempts } from "../core/index.js";
import { createRedisAttempts, type RedisAttempts } from "../stores/redis/redis-attempts.js";
import { buildServer } from "./build-server.js";
import type { ServerConfig } from "./config.js";
import { addDemoUsers } from "./demo-users.js";
import { openStore } from "./open-store.js";
import { lowerHelperThreadPriority } from "./thread-priority.js";

/** A listening Gatehouse server. */
export interface RunningServer {
  url: string;
  gatehouse: Gatehouse;
  /** Stops accepting, finishes requests in flight, closes the database. */
  close(): Promise<void>;
}

/** Options for {@link startServer}. */
export interface StartServerOptions {
  demo: boolean;
  /** Receives human-readable lines about what the server did (created the database, listening). */
  log: (line: string) => void;
  /** Throttling counters to share when no Redis is configured (a cluster primary's, over IPC). */
  counters?: SharedLoginAttempts;
  /** False in cluster workers: the primary purges expired rows, once for all. */
  purgeExpiredRows?: boolean;
}

/** Opens the store, creates the Gatehouse, builds the server and listens. */
export async function startServer(config: ServerConfig, options: StartServerOptions): Promise<RunningServer> {
  const store = await openStore(config.databaseUrl);
  let redis: RedisAttempts | undefined;
  let gatehouse: Gatehouse;
  // Upkeep runs on the core's own timer; until the server's logger exists its failures wait.
  let warnSyncFailed = (_error: unknown) => {};
  try {
    const { throttle } = config.gatehouse;
    if (config.redisUrl !== undefined && throttle !== false) redis = await createRedisAttempts(config.redisUrl);
    // Redis, when set, counts attempts for every server; else a cluster primary's counters, the
    // store's shared ones, or memory (the precedence is createLoginThrottle's).
    const shared = redis ?? options.counters;
    const counters = shared === undefined ? {} : { failures: shared.failures, knownLogins: shared.knownLogins };
    gatehouse = await createGatehouse({
      store,
      ...config.gatehouse,
      ...(throttle === false ? {} : { throttle: { ...throttle, ...counters } }),
      onSyncError: (error) => warnSyncFailed(error),
      ...(options.purgeExpiredRows === false ? { purgeExpiredRows: false } : {}),
    });
    for (const notice of gatehouse.notices) options.log(notice);
    if (options.demo) {
      const added = await addDemoUsers(gatehouse);
      if (added.length > 0) options.log(`Added demo users: ${added.join(", ")}`);
    }
  } catch (error) {
    await redis?.close();
    await store.close();
    throw error;
  }
  const app = await buildServer({
    gatehouse,
    trustProxy: config.trustProxy,
    logLevel: config.logLevel,
    metrics: config.metrics,
  });
  warnSyncFailed = (error) => app.log.warn({ err: error }, "upkeep: syncing with the store failed");
  // The first hash starts libuv's thread pool; from then on hashing yields to the event loop.
  gatehouse.hasher
    .warmUp()
    .then(lowerHelperThreadPriority)
    .catch(() => undefined);

  let address: string;
  try {
    address = await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await app.close();
    await gatehouse.close();
    await redis?.close();
    throw error;
  }
  const url = formatUrl(address);
  return {
    url,
    gatehouse,
    async close() {
      await app.close();
      await gatehouse.close();
      await redis?.close();
    },
  };
}

function formatUrl(address: string): string {
  return address.replace(/\/$/, "");
}
