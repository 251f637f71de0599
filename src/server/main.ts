import { type AddressInfo, createServer as createNetServer } from "node:net";
import { createGatehouse, type Gatehouse, type SharedLoginAttempts } from "../core/index.js";
import { createRedisAttempts, type RedisAttempts } from "../stores/redis/redis-attempts.js";
import { buildServer } from "./build-server.js";
import { baseUrlOf, type ServerConfig } from "./config.js";
import { addDemoUsers } from "./demo-users.js";
import { openStore } from "./open-store.js";
import { createServerMailer } from "./server-mailer.js";
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
  /** False in cluster workers: they queue webhook events, the primary delivers them. */
  deliverWebhooks?: boolean;
}

/**
 * Opens the store, creates the Gatehouse, builds the server and listens. Without a configured
 * issuer the issuer is the base URL it listens on; for port 0 a free port is found first, since
 * the issuer (every token's `iss`) must be known before the first token.
 */
export async function startServer(config: ServerConfig, options: StartServerOptions): Promise<RunningServer> {
  if (config.gatehouse.issuer !== undefined || config.port !== 0) {
    return startOnPort(config, options, config.port);
  }
  for (let attempt = 1; ; attempt++) {
    const port = await findFreePort(config.host);
    try {
      return await startOnPort(config, options, port);
    } catch (error) {
      // Another process took the port between finding and listening: rare, and worth a retry.
      if (attempt >= 3 || (error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    }
  }
}

async function startOnPort(config: ServerConfig, options: StartServerOptions, port: number): Promise<RunningServer> {
  const issuer = config.gatehouse.issuer ?? baseUrlOf(config.host, port);
  if (config.gatehouse.issuer === undefined && WILDCARD_HOSTS.has(config.host)) {
    options.log(`GATEHOUSE_ISSUER is not set: tokens and discovery name ${issuer}; set it to the URL clients use`);
  }
  const store = await openStore(config.databaseUrl);
  let redis: RedisAttempts | undefined;
  let gatehouse: Gatehouse;
  // Upkeep runs on the core's own timer; until the server's logger exists its failures wait.
  let warnSyncFailed = (_error: unknown) => {};
  let warnWebhookFailed = (_error: unknown) => {};
  let warnMailFailed = (_error: unknown, _mail: { kind: string; to: string }) => {};
  let warnAccountsFailed = (_error: unknown) => {};
  const mailer =
    config.mail === undefined
      ? undefined
      : createServerMailer(config.mail, options.log, (error, mail) => warnMailFailed(error, mail));
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
      issuer,
      ...(throttle === false ? {} : { throttle: { ...throttle, ...counters } }),
      onSyncError: (error) => warnSyncFailed(error),
      ...(options.purgeExpiredRows === false ? { purgeExpiredRows: false } : {}),
      ...(options.deliverWebhooks === false ? { deliverWebhooks: false } : {}),
      onWebhookError: (error) => warnWebhookFailed(error),
      accounts: {
        ...config.gatehouse.accounts,
        ...(mailer === undefined ? {} : { mailer }),
        onError: (error) => warnAccountsFailed(error),
      },
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
    await mailer?.close();
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
  warnWebhookFailed = (error) => app.log.warn({ err: error }, "webhooks: the outbox could not be read or updated");
  // Never the mail's body: it holds the link.
  warnMailFailed = (error, mail) =>
    app.log.warn({ err: error, mail: { kind: mail.kind, to: mail.to } }, "mail: could not be sent");
  warnAccountsFailed = (error) => app.log.warn({ err: error }, "accounts: background work failed");

  let address: string;
  try {
    address = await app.listen({ host: config.host, port });
  } catch (error) {
    await app.close();
    await gatehouse.close();
    await mailer?.close();
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
      await mailer?.close();
      await redis?.close();
    },
  };
}

const WILDCARD_HOSTS = new Set(["0.0.0.0", "::", "[::]"]);

/** A port nobody listens on right now, by asking the kernel for one and letting it go. */
export function findFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once("error", reject);
    probe.listen({ host, port: 0, exclusive: true }, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function formatUrl(address: string): string {
  return address.replace(/\/$/, "");
}
