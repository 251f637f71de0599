import { describe, expect, it } from "vitest";
import { createFixedClock, GatehouseError, isGatehouseError, MESSAGES } from "../../../src/core/index.js";
import { createLoginThrottle } from "../../../src/core/throttle/login-throttle.js";
import { createMemoryAttemptStore } from "../../../src/core/throttle/memory-attempts.js";

const MINUTE = 60_000;
const VICTIM = "198.51.100.7";

const wrongPassword = async (): Promise<never> => {
  throw new GatehouseError("invalid_grant", MESSAGES.wrongUsernameOrPassword);
};

/** "failed", or the Retry-After of a refusal. */
async function attempt(throttle: ReturnType<typeof createLoginThrottle>, username: string, address: string) {
  try {
    await throttle.guard(username, address, wrongPassword);
    return "ok";
  } catch (error) {
    if (isGatehouseError(error, "throttled")) return error.retryAfterSeconds ?? Number.NaN;
    return "failed";
  }
}

/** A fresh IPv6 /64 for each `i`: one host can own millions of them. */
const freshAddress = (i: number) => `2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::1`;

describe("regression: filling the throttle's memory lifted a block in force (review finding 4)", () => {
  it("keeps a pair's block through a flood of maxKeys distinct addresses' failures", async () => {
    const clock = createFixedClock(Date.UTC(2026, 0, 1));
    const maxKeys = 1000;
    const failures = createMemoryAttemptStore({ maxKeys });
    const throttle = createLoginThrottle({ failures, clock });
    for (let i = 0; i < 10; i++) expect(await attempt(throttle, "johndoe", VICTIM)).toBe("failed");
    expect(await attempt(throttle, "johndoe", VICTIM)).toBe(900);

    // Malformed usernames count per address only: one new counter per failure.
    for (let i = 0; i < 2 * maxKeys; i++) await attempt(throttle, "x".repeat(65), freshAddress(i));
    // And well-formed ones: three new counters per failure.
    for (let i = 0; i < maxKeys; i++) await attempt(throttle, `user${i}`, freshAddress(10 * maxKeys + i));

    expect(await attempt(throttle, "johndoe", VICTIM)).toBe(900);
    expect(failures.size).toBeLessThanOrEqual(maxKeys);
  });

  it("keeps an address's block and a username's block through the flood too", async () => {
    const clock = createFixedClock(Date.UTC(2026, 0, 1));
    const failures = createMemoryAttemptStore({ maxKeys: 500 });
    const throttle = createLoginThrottle({ failures, clock });
    for (let i = 0; i < 30; i++) await attempt(throttle, `someone${i}`, VICTIM);
    for (let i = 0; i < 100; i++) await attempt(throttle, "alice", freshAddress(50_000 + i));
    expect(await attempt(throttle, "anyone", VICTIM)).toBe(900);
    expect(await attempt(throttle, "alice", "203.0.113.1")).toBe(900);

    for (let i = 0; i < 2000; i++) await attempt(throttle, "x".repeat(65), freshAddress(i));

    expect(await attempt(throttle, "anyone", VICTIM)).toBe(900);
    expect(await attempt(throttle, "alice", "203.0.113.1")).toBe(900);
  });
});

describe("createMemoryAttemptStore under pressure", () => {
  it("never forgets a counter holding a block to make room, and forgets it once it expires", async () => {
    const store = createMemoryAttemptStore({ maxKeys: 10 });
    for (let i = 0; i < 3; i++) await store.increment("blocked", 20 * MINUTE, 0, 3);
    for (let i = 0; i < 1000; i++) await store.increment(`flood${i}`, MINUTE, 1, 3);
    expect(await store.get(["blocked"], 2)).toEqual([{ count: 3, expiresAt: 20 * MINUTE }]);
    expect(store.size).toBe(10);
    for (let i = 0; i < 1000; i++) await store.increment(`later${i}`, MINUTE, 20 * MINUTE, 3);
    expect(store.size).toBe(10);
    expect(await store.get(["blocked"], 20 * MINUTE)).toEqual([null]);
  });

  it("grows past maxKeys rather than forget a block, and shrinks back as blocks expire", async () => {
    const store = createMemoryAttemptStore({ maxKeys: 4 });
    for (let key = 0; key < 8; key++) await store.increment(`block${key}`, (key + 1) * MINUTE, 0, 1);
    expect(store.size).toBe(8);
    expect((await store.get(["block0", "block7"], 1)).map((counter) => counter?.count)).toEqual([1, 1]);
    for (let i = 0; i < 20; i++) await store.increment(`open${i}`, 100 * MINUTE, 9 * MINUTE, 5);
    expect(store.size).toBe(4);
  });
});
