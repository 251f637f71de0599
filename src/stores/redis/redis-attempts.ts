import type { Redis } from "ioredis";
import { GatehouseError } from "../../core/errors.js";
import type { SharedLoginAttempts } from "../../core/store.js";
import type { AttemptCounter, LoginAttemptStore } from "../../core/throttle/attempt-store.js";
import { loadDriver } from "../load-driver.js";

/** Options for {@link createRedisAttempts}. */
export interface RedisAttemptsOptions {
  /** Put before every key, so several applications (or Gatehouses) can share one Redis. Default `gatehouse:`. */
  keyPrefix?: string;
  /** How long connecting, and then each command, may take before it fails, in ms. Default 2000. */
  timeoutMs?: number;
}

/** Throttling counters in Redis, and the connection to close when the server stops. */
export interface RedisAttempts extends SharedLoginAttempts {
  close(): Promise<void>;
}

/**
 * One counter: `count:expiresAt` in a string, so `get` is one MGET. `expiresAt` is in the
 * caller's clock, which decides whether the counter is live; Redis forgets the key at the
 * same moment by its own clock (PX), never sooner than it already would, so a penalty is
 * never cut short (the `PEXPIRE … GT` of the interface). One script, so one atomic step.
 */
const INCREMENT = `
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local count, expires = 0, 0
local value = redis.call('GET', KEYS[1])
if value then
  local c, e = string.match(value, '^(%d+):(%d+)$')
  if c and tonumber(e) > now then
    count, expires = tonumber(c), tonumber(e)
  end
end
count = count + 1
expires = math.max(expires, now + ttl)
local life = math.max(expires - now, redis.call('PTTL', KEYS[1]), 1)
redis.call('SET', KEYS[1], string.format('%d:%d', count, expires), 'PX', string.format('%d', life))
return {count, expires}
`;

const COUNTER = /^(\d+):(\d+)$/;
const IOREDIS = { name: "ioredis", neededBy: "Redis throttling (gatehouse/redis)" };

/** The client with the increment script that {@link createRedisAttempts} defines on it. */
interface ScriptedRedis extends Redis {
  gatehouseIncrementAttempt(key: string, now: number, ttlMs: number): Promise<unknown>;
}

/**
 * Connects to Redis (`redis://[:password@]host:port[/db]`, `rediss://` for TLS) and returns
 * the login throttling counters kept there, for several servers that share one Redis.
 * Each method is one atomic step: a Lua script, MGET, DEL. When Redis cannot be reached a
 * login fails with `store_unavailable` rather than going unthrottled.
 * @throws GatehouseError `store_unavailable` when Redis does not answer (the message never repeats the URL),
 * or when `ioredis` is not installed (naming `npm install ioredis`).
 * @example
 * const counters = await createRedisAttempts("redis://127.0.0.1:6379");
 * const gatehouse = await createGatehouse({ store, throttle: { failures: counters.failures, knownLogins: counters.knownLogins } });
 */
export async function createRedisAttempts(url: string, options: RedisAttemptsOptions = {}): Promise<RedisAttempts> {
  const prefix = options.keyPrefix ?? "gatehouse:";
  const timeoutMs = options.timeoutMs ?? 2_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new GatehouseError("validation_failed", "timeoutMs must be a positive number of milliseconds");
  }
  const { Redis: Client } = await loadDriver(() => import("ioredis"), IOREDIS);
  const client = new Client(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    // While Redis is away, a login fails after one reconnection attempt instead of waiting
    // for many; the client keeps reconnecting in the background.
    maxRetriesPerRequest: 1,
  }) as ScriptedRedis;
  // Connection errors also fail the commands that were waiting, which is where they count;
  // unheard, the event would only be printed. The last one says why connecting failed.
  let connectionError: unknown;
  client.on("error", (error: unknown) => {
    connectionError = error;
  });
  client.defineCommand("gatehouseIncrementAttempt", { numberOfKeys: 1, lua: INCREMENT });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw unavailable(connectionError ?? error);
  }

  const attemptsOf = (name: string): LoginAttemptStore => {
    const keyOf = (key: string) => `${prefix}throttle:${name}:${key}`;
    return {
      increment: (key, ttlMs, now) =>
        guarded(async () => readScriptReply(await client.gatehouseIncrementAttempt(keyOf(key), now, ttlMs))),
      get: (keys, now) =>
        guarded(async () => {
          if (keys.length === 0) return [];
          const values = await client.mget(keys.map(keyOf));
          return values.map((value) => {
            const counter = value === null ? null : readValue(value);
            return counter !== null && counter.expiresAt > now ? counter : null;
          });
        }),
      delete: (keys) =>
        guarded(async () => {
          if (keys.length > 0) await client.del(keys.map(keyOf));
        }),
      deleteByPrefix: (prefix) =>
        guarded(async () => {
          const full = keyOf(prefix);
          // SCAN, never KEYS: it does not block Redis on a large keyspace.
          const pattern = `${full.replace(/[*?[\]\\]/g, "\\$&")}*`;
          let cursor = "0";
          let deleted = 0;
          do {
            const [next, found] = await client.scan(cursor, "MATCH", pattern, "COUNT", 500);
            cursor = next;
            const mine = found.filter((key) => !key.slice(full.length).includes("|"));
            if (mine.length > 0) deleted += await client.del(mine);
          } while (cursor !== "0");
          return deleted;
        }),
    };
  };

  let closed = false;
  return {
    failures: attemptsOf("failures"),
    knownLogins: attemptsOf("known"),
    async close() {
      if (closed) return;
      closed = true;
      await client.quit().catch(() => client.disconnect());
    },
  };
}

function readValue(value: string): AttemptCounter {
  const match = COUNTER.exec(value);
  if (match === null) throw new Error("a throttling counter in Redis is not count:expiresAt");
  return { count: Number(match[1]), expiresAt: Number(match[2]) };
}

function readScriptReply(reply: unknown): AttemptCounter {
  if (!Array.isArray(reply) || typeof reply[0] !== "number" || typeof reply[1] !== "number") {
    throw new Error("the increment script did not return a count and an expiry");
  }
  return { count: reply[0], expiresAt: reply[1] };
}

async function guarded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw unavailable(error);
  }
}

function unavailable(error: unknown): GatehouseError {
  if (error instanceof GatehouseError) return error;
  return new GatehouseError("store_unavailable", "the Redis throttling counters are unavailable", { cause: error });
}
