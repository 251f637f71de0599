import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import {
  createPasswordHasher,
  DEFAULT_THROTTLE_LIMITS,
  type GatehouseOptions,
  type PasswordHasher,
} from "../../src/core/index.js";
import { buildServer } from "../../src/server/build-server.js";
import { ConfigError, loadConfig } from "../../src/server/config.js";
import { createFixedClock, createTestGatehouse, createTestHasher } from "../support/fixtures.js";

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** A test hasher that counts the password checks it performs. */
function countingHasher(): PasswordHasher & { checks: number } {
  const inner = createTestHasher();
  const hasher = {
    ...inner,
    checks: 0,
    verify(password: string, stored: string) {
      hasher.checks++;
      return inner.verify(password, stored);
    },
    verifyDummy(password: string) {
      hasher.checks++;
      return inner.verifyDummy(password);
    },
  };
  return hasher;
}

async function serve(options: Partial<GatehouseOptions> = {}, trustProxy = 0) {
  const clock = createFixedClock(Date.now());
  const hasher = countingHasher();
  const { gatehouse } = await createTestGatehouse({ clock, hasher, ...options });
  app = await buildServer({ gatehouse, trustProxy });
  return { app, clock, hasher };
}

function postToken(
  server: FastifyInstance,
  username: string,
  password: string,
  remoteAddress = "198.51.100.7",
  headers: Record<string, string> = {},
) {
  return server.inject({
    method: "POST",
    url: "/token",
    remoteAddress,
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    payload: new URLSearchParams({ username, password }).toString(),
  });
}

async function failTimes(server: FastifyInstance, times: number, username: string, remoteAddress?: string) {
  const statuses: number[] = [];
  for (let i = 0; i < times; i++)
    statuses.push((await postToken(server, username, "wrong-password", remoteAddress)).statusCode);
  return statuses;
}

describe("POST /token brute-force throttling", () => {
  it("answers the 11th attempt for one username from one address with 429, Retry-After and slow_down", async () => {
    const { app } = await serve();
    expect(await failTimes(app, 10, "johndoe")).toEqual(new Array(10).fill(400));
    const response = await postToken(app, "johndoe", "secret");
    expect(response.statusCode).toBe(429);
    expect(response.headers["retry-after"]).toBe("900");
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(response.json()).toEqual({
      error: "slow_down",
      error_description: "Too many failed login attempts; try again later",
      detail: "Too many failed login attempts; try again later",
    });
  });

  it("spends no password hash on a refused attempt", async () => {
    const { app, hasher } = await serve();
    await failTimes(app, 10, "johndoe");
    const before = hasher.checks;
    for (let i = 0; i < 20; i++) expect((await postToken(app, "johndoe", "secret")).statusCode).toBe(429);
    expect(hasher.checks).toBe(before);
  });

  it("lets the owner log in from an address without failures while a stranger is throttled", async () => {
    const { app } = await serve();
    await failTimes(app, 40, "johndoe", "198.51.100.66");
    expect((await postToken(app, "johndoe", "secret", "198.51.100.66")).statusCode).toBe(429);
    expect((await postToken(app, "johndoe", "secret", "192.0.2.1")).statusCode).toBe(200);
  });

  it("keeps the owner's known address open past 100 failures from many addresses", async () => {
    const { app } = await serve();
    expect((await postToken(app, "johndoe", "secret", "192.0.2.1")).statusCode).toBe(200);
    for (let i = 0; i < 110; i++) await postToken(app, "johndoe", "wrong-password", `203.0.113.${Math.floor(i / 5)}`);
    expect((await postToken(app, "johndoe", "secret", "192.0.2.250")).statusCode).toBe(429);
    expect((await postToken(app, "JohnDoe", "secret", "192.0.2.1")).statusCode).toBe(200);
  });

  it("throttles unknown and existing usernames alike, so a 429 tells nothing about existence", async () => {
    const { app } = await serve();
    await failTimes(app, 10, "johndoe", "198.51.100.1");
    await failTimes(app, 10, "nobody-here", "198.51.100.2");
    const known = await postToken(app, "johndoe", "x", "198.51.100.1");
    const unknown = await postToken(app, "nobody-here", "x", "198.51.100.2");
    expect(known.statusCode).toBe(429);
    expect(unknown.body).toBe(known.body);
    const { date: _a, ...knownHeaders } = known.headers;
    const { date: _b, ...unknownHeaders } = unknown.headers;
    expect(unknownHeaders).toEqual(knownHeaders);
  });

  it("opens again when the penalty has passed", async () => {
    const { app, clock } = await serve();
    await failTimes(app, 10, "johndoe");
    clock.advance(15 * 60_000);
    expect((await postToken(app, "johndoe", "secret")).statusCode).toBe(200);
  });

  it("applies configured limits and can be turned off", async () => {
    const strict = await serve({ throttle: { maxFailuresPerUserAndAddress: 2, windowSeconds: 60 } });
    expect(await failTimes(strict.app, 3, "johndoe")).toEqual([400, 400, 429]);
    expect((await postToken(strict.app, "johndoe", "secret")).headers["retry-after"]).toBe("60");
    await strict.app.close();
    const off = await serve({ throttle: false });
    expect(await failTimes(off.app, 40, "johndoe")).toEqual(new Array(40).fill(400));
  });
});

describe("the client address used for throttling", () => {
  it("is the socket address by default: X-Forwarded-For cannot spread failures over made-up addresses", async () => {
    const { app } = await serve();
    for (let i = 0; i < 10; i++) {
      await postToken(app, "johndoe", "wrong", "198.51.100.7", { "x-forwarded-for": `203.0.113.${i}` });
    }
    const response = await postToken(app, "johndoe", "secret", "198.51.100.7", { "x-forwarded-for": "203.0.113.99" });
    expect(response.statusCode).toBe(429);
  });

  it("is the X-Forwarded-For entry of the trusted hop with --trust-proxy", async () => {
    const { app } = await serve({}, 1);
    for (let i = 0; i < 10; i++) {
      await postToken(app, "johndoe", "wrong", "10.0.0.2", { "x-forwarded-for": "203.0.113.5" });
    }
    const same = await postToken(app, "johndoe", "secret", "10.0.0.2", { "x-forwarded-for": "203.0.113.5" });
    expect(same.statusCode).toBe(429);
    const other = await postToken(app, "johndoe", "secret", "10.0.0.2", { "x-forwarded-for": "203.0.113.6" });
    expect(other.statusCode).toBe(200);
  });

  it("trusts only as many hops as configured: a client-supplied entry further left is ignored", async () => {
    const { app } = await serve({}, 1);
    for (let i = 0; i < 10; i++) {
      await postToken(app, "johndoe", "wrong", "10.0.0.2", { "x-forwarded-for": `192.0.2.${i}, 203.0.113.5` });
    }
    const response = await postToken(app, "johndoe", "secret", "10.0.0.2", {
      "x-forwarded-for": "192.0.2.77, 203.0.113.5",
    });
    expect(response.statusCode).toBe(429);
  });
});

describe("throttling and load-shedding settings from the environment", () => {
  it("uses the contract's limits when nothing is set", () => {
    expect(loadConfig({}).gatehouse.throttle).toEqual(DEFAULT_THROTTLE_LIMITS);
    expect(loadConfig({}).gatehouse.hashQueue).toBeUndefined();
  });

  it("reads GATEHOUSE_THROTTLE_* and GATEHOUSE_HASH_*", () => {
    const config = loadConfig({
      GATEHOUSE_THROTTLE_WINDOW: "600",
      GATEHOUSE_THROTTLE_MAX_PER_USER_ADDRESS: "5",
      GATEHOUSE_THROTTLE_MAX_PER_ADDRESS: "20",
      GATEHOUSE_THROTTLE_MAX_PER_USER: "50",
      GATEHOUSE_THROTTLE_MAX_DELAY: "3600",
      GATEHOUSE_THROTTLE_REMEMBER_LOGIN: "86400",
      GATEHOUSE_THROTTLE_IPV6_PREFIX: "56",
      GATEHOUSE_HASH_CONCURRENCY: "2",
      GATEHOUSE_HASH_QUEUE: "16",
    });
    expect(config.gatehouse.throttle).toEqual({
      windowSeconds: 600,
      maxFailuresPerUserAndAddress: 5,
      maxFailuresPerAddress: 20,
      maxFailuresPerUser: 50,
      maxDelaySeconds: 3600,
      rememberLoginSeconds: 86400,
      ipv6PrefixLength: 56,
    });
    expect(config.gatehouse.hashQueue).toEqual({ concurrency: 2, maxQueued: 16 });
  });

  it("turns throttling off with GATEHOUSE_THROTTLE=off", () => {
    expect(loadConfig({ GATEHOUSE_THROTTLE: "off" }).gatehouse.throttle).toBe(false);
  });

  it.each([
    [{ GATEHOUSE_THROTTLE: "maybe" }, /GATEHOUSE_THROTTLE must be/],
    [{ GATEHOUSE_THROTTLE_MAX_PER_ADDRESS: "0" }, /GATEHOUSE_THROTTLE_MAX_PER_ADDRESS/],
    [{ GATEHOUSE_THROTTLE_WINDOW: "15m" }, /GATEHOUSE_THROTTLE_WINDOW/],
    [{ GATEHOUSE_THROTTLE_WINDOW: "7200", GATEHOUSE_THROTTLE_MAX_DELAY: "60" }, /maxDelaySeconds/],
    [{ GATEHOUSE_THROTTLE_IPV6_PREFIX: "8" }, /ipv6PrefixLength/],
    [{ GATEHOUSE_HASH_CONCURRENCY: "0" }, /GATEHOUSE_HASH_CONCURRENCY/],
    [{ GATEHOUSE_HASH_QUEUE: "-1" }, /GATEHOUSE_HASH_QUEUE/],
  ])("refuses %j with a ConfigError naming the setting", (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe("load shedding at the token endpoint", () => {
  it("answers logins beyond the hashing queue with 503, temporarily_unavailable and Retry-After", async () => {
    const hasher = createPasswordHasher({
      argon2: { memoryCost: 4096, timeCost: 3, parallelism: 1 },
      queue: { concurrency: 1, maxQueued: 2 },
    });
    const { gatehouse } = await createTestGatehouse({ hasher, throttle: false });
    app = await buildServer({ gatehouse });
    const server = app;
    const responses = await Promise.all(Array.from({ length: 12 }, () => postToken(server, "johndoe", "secret")));
    const statuses = responses.map((response) => response.statusCode).sort();
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(3);
    const shed = responses.filter((response) => response.statusCode === 503);
    expect(shed.length).toBeGreaterThan(0);
    expect(statuses.every((status) => status === 200 || status === 503)).toBe(true);
    for (const response of shed) {
      expect(response.headers["retry-after"]).toBe("1");
      expect(response.json()).toMatchObject({ error: "temporarily_unavailable", detail: expect.any(String) });
    }
  });

  it("refuses a hashQueue next to a custom hasher when the Gatehouse is built", async () => {
    await expect(createTestGatehouse({ hashQueue: { concurrency: 2 } })).rejects.toThrow(/hashQueue/);
  });
});
