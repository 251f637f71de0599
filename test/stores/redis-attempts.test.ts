import { afterAll, afterEach, expect, it } from "vitest";
import { isGatehouseError } from "../../src/core/index.js";
import { createRedisAttempts, type RedisAttempts } from "../../src/stores/redis/redis-attempts.js";
import { runAttemptStoreContract, T0 } from "../../src/testing/index.js";
import { deleteRedisKeys, describeRedis, freshRedisPrefix, redisKeys, redisPttl } from "../support/redis.js";

const MINUTE = 60_000;

describeRedis("redis login attempt store", (url) => {
  const prefixes: string[] = [];
  const fresh = () => {
    const prefix = freshRedisPrefix();
    prefixes.push(prefix);
    return prefix;
  };

  afterAll(async () => {
    for (const prefix of prefixes) await deleteRedisKeys(url(), prefix);
  });

  runAttemptStoreContract("redis", () => createRedisAttempts(url(), { keyPrefix: fresh() }));

  const opened: RedisAttempts[] = [];
  afterEach(async () => {
    for (const counters of opened.splice(0)) await counters.close();
  });
  const open = async (keyPrefix: string) => {
    const counters = await createRedisAttempts(url(), { keyPrefix });
    opened.push(counters);
    return counters;
  };

  it("counts attempts of two clients together", async () => {
    const prefix = fresh();
    const [one, two] = await Promise.all([open(prefix), open(prefix)]);
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).failures.increment("a|x", MINUTE, T0)));
    expect(await two.failures.get(["a|x"], T0)).toEqual([{ count: 20, expiresAt: T0 + MINUTE }]);
  });

  it("keeps its keys under its prefix, each to be forgotten by Redis no sooner than it expires", async () => {
    const prefix = fresh();
    const counters = await open(prefix);
    const now = Date.now();
    await counters.failures.increment("p|johndoe|198.51.100.7", 60 * MINUTE, now);
    await counters.failures.increment("p|johndoe|198.51.100.7", MINUTE, now);
    await counters.knownLogins.increment("k|johndoe|198.51.100.7", MINUTE, now);
    expect((await redisKeys(url(), prefix)).sort()).toEqual([
      `${prefix}throttle:failures:p|johndoe|198.51.100.7`,
      `${prefix}throttle:known:k|johndoe|198.51.100.7`,
    ]);
    expect(await redisPttl(url(), `${prefix}throttle:failures:p|johndoe|198.51.100.7`)).toBeGreaterThan(59 * MINUTE);
    expect(await redisPttl(url(), `${prefix}throttle:known:k|johndoe|198.51.100.7`)).toBeLessThanOrEqual(MINUTE);
  });

  it("fails to open with store_unavailable, without repeating the URL, when Redis does not answer", async () => {
    const error = await createRedisAttempts("redis://:hunter2@127.0.0.1:1", { timeoutMs: 500 }).catch(
      (caught: unknown) => caught,
    );
    expect(isGatehouseError(error, "store_unavailable")).toBe(true);
    expect((error as Error).message).not.toContain("hunter2");
  });

  it("fails with store_unavailable once closed, so a login is refused rather than unthrottled", async () => {
    const counters = await createRedisAttempts(url(), { keyPrefix: fresh() });
    await counters.close();
    await counters.close();
    const error = await counters.failures.increment("a|x", MINUTE, T0).catch((caught: unknown) => caught);
    expect(isGatehouseError(error, "store_unavailable")).toBe(true);
  });
});
