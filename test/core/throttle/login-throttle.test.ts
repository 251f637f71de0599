import { describe, expect, it } from "vitest";
import {
  createFixedClock,
  GatehouseError,
  isGatehouseError,
  MESSAGES,
  type ThrottleOptions,
} from "../../../src/core/index.js";
import { throttleAddressKey } from "../../../src/core/throttle/client-address.js";
import { createLoginThrottle, type LoginThrottle } from "../../../src/core/throttle/login-throttle.js";
import { createMemoryAttemptStore } from "../../../src/core/throttle/memory-attempts.js";
import { resolveThrottleLimits } from "../../../src/core/throttle/throttle-limits.js";

const MINUTE = 60_000;

function setup(options: Partial<ThrottleOptions> = {}) {
  const clock = createFixedClock(Date.UTC(2025, 0, 1));
  const throttle = createLoginThrottle({ ...options, clock });
  return { clock, throttle };
}

const wrongPassword = async (): Promise<never> => {
  throw new GatehouseError("invalid_grant", MESSAGES.wrongUsernameOrPassword);
};

/** One login attempt: "ok", "failed", "busy" (shed), or the Retry-After of a refusal. */
async function attempt(
  throttle: LoginThrottle,
  username: string,
  address: string,
  outcome: () => Promise<unknown> = wrongPassword,
): Promise<"ok" | "failed" | "busy" | number> {
  try {
    await throttle.guard(username, address, outcome);
    return "ok";
  } catch (error) {
    if (isGatehouseError(error, "throttled")) return error.retryAfterSeconds ?? Number.NaN;
    if (isGatehouseError(error, "overloaded") && error.retryAfterSeconds === 1) return "busy";
    return "failed";
  }
}

async function failTimes(throttle: LoginThrottle, times: number, username: string, address: string) {
  const results = [];
  for (let i = 0; i < times; i++) results.push(await attempt(throttle, username, address));
  return results;
}

const succeed = async () => "user";

describe("createLoginThrottle", () => {
  it("allows 10 failures for one username from one address, then refuses for 15 minutes without authenticating", async () => {
    const { throttle } = setup();
    expect(await failTimes(throttle, 10, "johndoe", "198.51.100.7")).toEqual(new Array(10).fill("failed"));
    let called = false;
    const result = await attempt(throttle, "johndoe", "198.51.100.7", async () => {
      called = true;
      return "user";
    });
    expect(result).toBe(15 * 60);
    expect(called).toBe(false);
  });

  it("counts JohnDoe and johndoe (and NFKC forms) as one username", async () => {
    const { throttle } = setup();
    await failTimes(throttle, 5, "JohnDoe", "198.51.100.7");
    await failTimes(throttle, 5, "ｊｏｈｎｄｏｅ", "198.51.100.7");
    expect(await attempt(throttle, "johndoe", "198.51.100.7")).toBe(900);
  });

  it("refuses an address after 30 failures over all usernames, for every username", async () => {
    const { throttle } = setup();
    for (let i = 0; i < 30; i++) expect(await attempt(throttle, `user${i}`, "198.51.100.7")).toBe("failed");
    expect(await attempt(throttle, "someone-new", "198.51.100.7", succeed)).toBe(900);
    expect(await attempt(throttle, "someone-new", "198.51.100.8", succeed)).toBe("ok");
  });

  it("counts a malformed username against the address only", async () => {
    const { throttle } = setup();
    const malformed = async (): Promise<never> => {
      throw new GatehouseError("invalid_request", "The username is malformed");
    };
    for (let i = 0; i < 30; i++) await attempt(throttle, "john\u0000doe", "198.51.100.7", malformed);
    expect(await attempt(throttle, "johndoe", "198.51.100.7", succeed)).toBe(900);
    expect(await attempt(throttle, "johndoe", "198.51.100.8", succeed)).toBe("ok");
  });

  it("doubles the penalty with each failure past the allowance, up to the cap", async () => {
    const { clock, throttle } = setup({ maxDelaySeconds: 2 * 3600 });
    await failTimes(throttle, 10, "johndoe", "198.51.100.7");
    const waits: Array<number | string> = [];
    for (let i = 0; i < 5; i++) {
      const refused = await attempt(throttle, "johndoe", "198.51.100.7");
      waits.push(refused);
      clock.advance((refused as number) * 1000);
      expect(await attempt(throttle, "johndoe", "198.51.100.7")).toBe("failed");
    }
    expect(waits).toEqual([900, 1800, 3600, 7200, 7200]);
  });

  it("counts down Retry-After as time passes and never says 0", async () => {
    const { clock, throttle } = setup();
    await failTimes(throttle, 10, "johndoe", "198.51.100.7");
    clock.advance(10 * MINUTE + 500);
    expect(await attempt(throttle, "johndoe", "198.51.100.7")).toBe(300);
    clock.advance(5 * MINUTE - 600);
    expect(await attempt(throttle, "johndoe", "198.51.100.7")).toBe(1);
  });

  it("does not count refused attempts: hammering a locked pair does not lengthen the penalty", async () => {
    const { clock, throttle } = setup();
    await failTimes(throttle, 10, "johndoe", "198.51.100.7");
    for (let i = 0; i < 50; i++) await attempt(throttle, "johndoe", "198.51.100.7");
    clock.advance(15 * MINUTE);
    expect(await attempt(throttle, "johndoe", "198.51.100.7", succeed)).toBe("ok");
  });

  it("forgets failures a window after the penalty ends: the full allowance comes back", async () => {
    const { clock, throttle } = setup();
    await failTimes(throttle, 10, "johndoe", "198.51.100.7");
    clock.advance(30 * MINUTE);
    expect(await failTimes(throttle, 10, "johndoe", "198.51.100.7")).toEqual(new Array(10).fill("failed"));
    expect(await attempt(throttle, "johndoe", "198.51.100.7")).toBe(900);
  });

  it("keeps counting below the allowance until a quiet window has passed", async () => {
    const { clock, throttle } = setup();
    for (let i = 0; i < 10; i++) {
      expect(await attempt(throttle, "johndoe", "198.51.100.7")).toBe("failed");
      clock.advance(14 * MINUTE);
    }
    expect(await attempt(throttle, "johndoe", "198.51.100.7")).toBe(60);
  });

  it("clears a pair's failures when that pair logs in", async () => {
    const { throttle } = setup();
    await failTimes(throttle, 9, "johndoe", "198.51.100.7");
    expect(await attempt(throttle, "johndoe", "198.51.100.7", succeed)).toBe("ok");
    expect(await failTimes(throttle, 10, "johndoe", "198.51.100.7")).toEqual(new Array(10).fill("failed"));
  });

  it("does not let a success on one's own account reset the address counter", async () => {
    const { throttle } = setup();
    const results = [];
    for (let i = 0; i < 60; i++) {
      results.push(await attempt(throttle, `victim${i}`, "198.51.100.7"));
      if (i % 5 === 4) await attempt(throttle, "attacker", "198.51.100.7", succeed);
    }
    expect(results.filter((result) => result === "failed")).toHaveLength(30);
  });

  it("does not count other errors, such as an overloaded hasher", async () => {
    const { throttle } = setup();
    const overloaded = async (): Promise<never> => {
      throw new GatehouseError("overloaded", "busy", { retryAfterSeconds: 1 });
    };
    for (let i = 0; i < 20; i++) await attempt(throttle, "johndoe", "198.51.100.7", overloaded);
    expect(await attempt(throttle, "johndoe", "198.51.100.7", succeed)).toBe("ok");
  });
});

describe("the per-username limit over all addresses", () => {
  async function distributedAttack(throttle: LoginThrottle, failures: number) {
    for (let i = 0; i < failures; i++) await attempt(throttle, "johndoe", `203.0.113.${Math.floor(i / 5)}`);
  }

  it("refuses, past 100 failures, every address that never logged in as the user", async () => {
    const { throttle } = setup();
    await distributedAttack(throttle, 100);
    expect(await attempt(throttle, "johndoe", "192.0.2.200", succeed)).toBe(900);
    expect(await attempt(throttle, "alice", "192.0.2.200", succeed)).toBe("ok");
  });

  it("still lets the owner in from an address that logged in as him before", async () => {
    const { clock, throttle } = setup();
    expect(await attempt(throttle, "johndoe", "192.0.2.1", succeed)).toBe("ok");
    clock.advance(29 * 24 * 60 * MINUTE);
    await distributedAttack(throttle, 150);
    expect(await attempt(throttle, "JohnDoe", "192.0.2.1", succeed)).toBe("ok");
  });

  it("forgets a known address after 30 days without a login from it", async () => {
    const { clock, throttle } = setup();
    await attempt(throttle, "johndoe", "192.0.2.1", succeed);
    clock.advance(31 * 24 * 60 * MINUTE);
    await distributedAttack(throttle, 100);
    expect(await attempt(throttle, "johndoe", "192.0.2.1", succeed)).toBe(900);
  });

  it("never stops the owner at an address without failures while a stranger hammers one address", async () => {
    const { throttle } = setup();
    await attempt(throttle, "johndoe", "192.0.2.1", succeed);
    for (let i = 0; i < 200; i++) await attempt(throttle, "johndoe", "198.51.100.66");
    expect(await attempt(throttle, "johndoe", "198.51.100.66", succeed)).toBe(900);
    expect(await attempt(throttle, "johndoe", "192.0.2.1", succeed)).toBe("ok");
    expect(await attempt(throttle, "johndoe", "192.0.2.99", succeed)).toBe("ok");
  });
});

describe("concurrent attempts", () => {
  it("lets at most the allowance through when 50 guesses arrive at once", async () => {
    const { throttle } = setup();
    let authenticated = 0;
    const slowWrongPassword = async (): Promise<never> => {
      authenticated++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      throw new GatehouseError("invalid_grant", MESSAGES.wrongUsernameOrPassword);
    };
    const results = await Promise.all(
      Array.from({ length: 50 }, () => attempt(throttle, "johndoe", "198.51.100.7", slowWrongPassword)),
    );
    expect(authenticated).toBe(10);
    expect(results.filter((result) => result === "failed")).toHaveLength(10);
    // Ten more waited for the outcomes and met the penalty; the rest were shed at once.
    expect(results.filter((result) => result === 900)).toHaveLength(10);
    expect(results.filter((result) => result === "busy")).toHaveLength(30);
  });

  it("makes up to an allowance more concurrent logins wait for the outcomes rather than fail", async () => {
    const { throttle } = setup();
    let running = 0;
    let mostAtOnce = 0;
    const slowSuccess = async () => {
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      return "user";
    };
    const results = await Promise.all(
      Array.from({ length: 20 }, () => attempt(throttle, "johndoe", "198.51.100.7", slowSuccess)),
    );
    expect(results).toEqual(new Array(20).fill("ok"));
    expect(mostAtOnce).toBe(10);
  });

  it("sheds concurrent logins past that with overloaded and Retry-After 1, so a flood is not queued", async () => {
    const { throttle } = setup();
    const slowSuccess = () => new Promise((resolve) => setTimeout(() => resolve("user"), 5));
    const results = await Promise.all(
      Array.from({ length: 50 }, () => attempt(throttle, "johndoe", "198.51.100.7", slowSuccess)),
    );
    expect(results.filter((result) => result === "ok")).toHaveLength(20);
    expect(results.filter((result) => result === "busy")).toHaveLength(30);
    expect(await attempt(throttle, "johndoe", "198.51.100.7", succeed)).toBe("ok");
  });

  it("counts a failure recorded while another attempt was reading the counters", async () => {
    const { throttle } = setup({ maxFailuresPerUserAndAddress: 2 });
    const slowWrongPassword = async (): Promise<never> => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      throw new GatehouseError("invalid_grant", MESSAGES.wrongUsernameOrPassword);
    };
    const waves = [];
    for (let i = 0; i < 20; i++) waves.push(attempt(throttle, "johndoe", "198.51.100.7", slowWrongPassword));
    const results = await Promise.all(waves);
    expect(results.filter((result) => result === "failed")).toHaveLength(2);
  });
});

describe("client addresses", () => {
  it("counts every address of one IPv6 /64 together", async () => {
    const { throttle } = setup();
    for (let i = 1; i <= 10; i++) await attempt(throttle, "johndoe", `2001:db8:1:2::${i.toString(16)}`);
    expect(await attempt(throttle, "johndoe", "2001:db8:1:2:ffff:1:2:3")).toBe(900);
    expect(await attempt(throttle, "johndoe", "2001:db8:1:3::1", succeed)).toBe("ok");
  });

  it.each([
    ["198.51.100.7", "198.51.100.7"],
    ["::ffff:198.51.100.7", "198.51.100.7"],
    ["2001:DB8:1:2:3:4:5:6", "2001:db8:1:2:0:0:0:0/64"],
    ["2001:db8::1", "2001:db8:0:0:0:0:0:0/64"],
    ["fe80::1%eth0", "fe80:0:0:0:0:0:0:0/64"],
    ["::1", "0:0:0:0:0:0:0:0/64"],
    ["unix-socket", "unix-socket"],
  ])("keys %s as %s", (address, key) => {
    expect(throttleAddressKey(address)).toBe(key);
  });

  it("keys a long non-address by a short hash", () => {
    const key = throttleAddressKey("x".repeat(16_000));
    expect(key).toMatch(/^#[\w-]{43}$/);
    expect(throttleAddressKey("y".repeat(16_000))).not.toBe(key);
  });

  it("counts an IPv4-mapped IPv6 address as its IPv4 address", async () => {
    const { throttle } = setup();
    await failTimes(throttle, 10, "johndoe", "::ffff:198.51.100.7");
    expect(await attempt(throttle, "johndoe", "198.51.100.7")).toBe(900);
  });
});

describe("createMemoryAttemptStore", () => {
  it("keeps at most maxKeys counters under a flood of distinct keys", async () => {
    const store = createMemoryAttemptStore({ maxKeys: 100 });
    for (let i = 0; i < 10_000; i++) await store.increment(`key${i}`, MINUTE, 0);
    expect(store.size).toBe(100);
    expect(await store.get(["key0", "key9999"], 0)).toEqual([null, { count: 1, expiresAt: MINUTE }]);
  });

  it("forgets the least recently bumped counter first", async () => {
    const store = createMemoryAttemptStore({ maxKeys: 2 });
    await store.increment("a", MINUTE, 0);
    await store.increment("b", MINUTE, 0);
    await store.increment("a", MINUTE, 0);
    await store.increment("c", MINUTE, 0);
    expect((await store.get(["a", "b", "c"], 0)).map((counter) => counter?.count ?? 0)).toEqual([2, 0, 1]);
  });

  it("restarts an expired counter and only ever lengthens a live one's life", async () => {
    const store = createMemoryAttemptStore();
    expect(await store.increment("k", 10 * MINUTE, 0)).toEqual({ count: 1, expiresAt: 10 * MINUTE });
    expect(await store.increment("k", MINUTE, 0)).toEqual({ count: 2, expiresAt: 10 * MINUTE });
    expect(await store.get(["k"], 10 * MINUTE)).toEqual([null]);
    expect(await store.increment("k", MINUTE, 10 * MINUTE)).toEqual({ count: 1, expiresAt: 11 * MINUTE });
  });
});

describe("resolveThrottleLimits", () => {
  it("fills in the contract's defaults", () => {
    expect(resolveThrottleLimits()).toMatchObject({
      windowSeconds: 900,
      maxFailuresPerUserAndAddress: 10,
      maxFailuresPerAddress: 30,
      maxFailuresPerUser: 100,
    });
  });

  it.each([
    [{ windowSeconds: 0 }, /windowSeconds/],
    [{ maxFailuresPerAddress: 1.5 }, /maxFailuresPerAddress/],
    [{ maxFailuresPerUser: -1 }, /maxFailuresPerUser/],
    [{ windowSeconds: 3600, maxDelaySeconds: 60 }, /maxDelaySeconds/],
  ])("rejects %j when the throttle is built", (limits, message) => {
    expect(() => createLoginThrottle(limits)).toThrow(message);
  });
});
