import { createGatehouse, type Gatehouse } from "../core/index.js";
import type { RedisAttempts } from "../stores/redis/redis-attempts.js";
import { buildServer } from "./build-server.js";
import type { ServerConfig } from "./config.js";
import { addDemoUsers } from "./demo-users.js";
import { openStore } from "./open-store.js";

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
}

/** Opens the store, creates the Gatehouse, builds the server and listens. */
export async function startServer(config: ServerConfig, options: StartServerOptions): Promise<RunningServer> {
  const store = await openStore(config.databaseUrl);
  let redis: RedisAttempts | undefined;
  let gatehouse: Gatehouse;
  // Upkeep runs on the core's own timer; until the server's logger exists its failures wait.
  let warnSyncFailed = (_error: unknown) => {};
  let warnWebhookFailed = (_error: unknown) => {};
  try {
    const { throttle } = config.gatehouse;
    if (config.redisUrl !== undefined && throttle !== false) redis = await openRedisAttempts(config.redisUrl);
    // Redis, when set, counts attempts for every server; else the store's shared counters or memory.
    const counters = redis === undefined ? {} : { failures: redis.failures, knownLogins: redis.knownLogins };
    gatehouse = await createGatehouse({
      store,
      ...config.gatehouse,
      ...(throttle === false ? {} : { throttle: { ...throttle, ...counters } }),
      onSyncError: (error) => warnSyncFailed(error),
      onWebhookError: (error) => warnWebhookFailed(error),
    });
    // The server decides for the database: without a webhook URL, events are no longer queued
    // (a command's or another process's), so an outbox nobody delivers does not grow.
    if (config.gatehouse.webhook === undefined) await store.setWebhookDelivery(false);
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
  });
  warnSyncFailed = (error) => app.log.warn({ err: error }, "upkeep: syncing with the store failed");
  warnWebhookFailed = (error) => app.log.warn({ err: error }, "webhooks: the outbox could not be read or updated");

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

// Loading ioredis costs startup time; a server without Redis should not pay for it.
async function openRedisAttempts(url: string): Promise<RedisAttempts> {
  const { createRedisAttempts } = await import("../stores/redis/redis-attempts.js");
  return createRedisAttempts(url);
}

function formatUrl(address: string): string {
  return address.replace(/\/$/, "");
}
