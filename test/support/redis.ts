import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { describe } from "vitest";

/**
 * The Redis server the tests may use (`redis://127.0.0.1:6380`); `.ci/run` starts a
 * throwaway one and sets it.
 */
export const REDIS_TEST_URL = process.env.GATEHOUSE_TEST_REDIS_URL || undefined;

const SKIP_REASON =
  "Redis tests skipped: GATEHOUSE_TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6380; .ci/run starts a server and sets it)";

/**
 * A `describe` whose tests run when GATEHOUSE_TEST_REDIS_URL is set, and are all reported
 * as skipped, with the reason on stderr, when it is not.
 */
export function describeRedis(name: string, body: (url: () => string) => void): void {
  const url = REDIS_TEST_URL;
  if (url === undefined) console.warn(`${name}: ${SKIP_REASON}`);
  describe.skipIf(url === undefined)(url === undefined ? `${name} (${SKIP_REASON})` : name, () => {
    body(() => {
      if (url === undefined) throw new Error("no test Redis: GATEHOUSE_TEST_REDIS_URL is not set");
      return url;
    });
  });
}

/** A key prefix no other test (or earlier run) uses. */
export function freshRedisPrefix(): string {
  return `gatehouse-test:${randomBytes(6).toString("hex")}:`;
}

/** The keys under `prefix` on the test Redis, for inspecting what a store did. */
export async function redisKeys(url: string, prefix: string): Promise<string[]> {
  return withRedis(url, (client) => scan(client, prefix));
}

/** Deletes the keys under `prefix`, so test runs leave the server as they found it. */
export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  await withRedis(url, async (client) => {
    const keys = await scan(client, prefix);
    if (keys.length > 0) await client.del(keys);
  });
}

/** How many milliseconds Redis keeps `key` yet (PTTL: -2 when absent, -1 when it never expires). */
export async function redisPttl(url: string, key: string): Promise<number> {
  return withRedis(url, (client) => client.pttl(key));
}

/** Deletes the keys named. */
export async function deleteRedisKeyList(url: string, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await withRedis(url, async (client) => {
    await client.del([...keys]);
  });
}

async function scan(client: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await client.scan(cursor, "MATCH", `${globEscape(prefix)}*`, "COUNT", 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== "0");
  return keys;
}

async function withRedis<T>(url: string, work: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    client.disconnect();
  }
}

function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}
