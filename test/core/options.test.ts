import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { DEFAULT_SCOPES, DEFAULT_THROTTLE_LIMITS, type GatehouseOptions } from "../../src/core/index.js";
import { resolveOptions } from "../../src/core/options.js";
import { memoryStore } from "../../src/stores/memory/index.js";
import { createTestHasher } from "../support/fixtures.js";

const MAX_TTL = 366 * 24 * 3600;

function resolve(change: Partial<GatehouseOptions> = {}) {
  return resolveOptions({ store: memoryStore(), ...change });
}

function refusal(change: Partial<GatehouseOptions>): string | null {
  try {
    resolve(change);
    return null;
  } catch (error) {
    return error instanceof TypeError ? error.message : `not a TypeError: ${String(error)}`;
  }
}

describe("resolveOptions defaults", () => {
  it("fills in every default", () => {
    expect(resolve()).toEqual({
      secretKey: undefined,
      algorithm: undefined,
      issuer: "http://127.0.0.1:8000",
      audience: undefined,
      accessTokenTtl: 1800,
      refreshTokenTtl: 14 * 24 * 3600,
      clockSkew: 30,
      scopes: DEFAULT_SCOPES,
      tokenCacheSize: 10_000,
      subjectCacheTtl: 500,
      jwksMaxAge: 300,
      refreshReuseInterval: 10,
      sessionMaxAge: 30 * 24 * 3600,
      audit: true,
      auditRetention: 90 * 24 * 3600,
      webhook: null,
      deliverWebhooks: true,
      syncInterval: 500,
      purgeExpiredRows: true,
      throttle: DEFAULT_THROTTLE_LIMITS,
      hashQueue: { concurrency: Math.max(1, Math.min(3, availableParallelism())), maxQueued: 64, retryAfterSeconds: 1 },
      mfa: "optional",
      mfaIssuer: "Gatehouse",
      claimNames: null,
    });
  });

  it("bounds syncInterval to 0–60000 ms and keeps purgeExpiredRows", () => {
    expect(resolve({ syncInterval: 0, purgeExpiredRows: false })).toMatchObject({
      syncInterval: 0,
      purgeExpiredRows: false,
    });
    expect(resolve({ syncInterval: 60_000 }).syncInterval).toBe(60_000);
    for (const bad of [-1, 60_001, 1.5]) {
      expect(() => resolve({ syncInterval: bad })).toThrow("syncInterval must be 0–60000 milliseconds");
    }
  });

  it("keeps the given values", () => {
    const resolved = resolve({
      secretKey: "s3cret",
      algorithm: "HS256",
      issuer: "https://auth.example.com",
      audience: "api",
      accessTokenTtl: 60,
      refreshTokenTtl: 3600,
      clockSkew: 0,
      tokenCacheSize: 0,
      subjectCacheTtl: 0,
    });
    expect(resolved).toMatchObject({
      secretKey: "s3cret",
      algorithm: "HS256",
      issuer: "https://auth.example.com",
      audience: "api",
      accessTokenTtl: 60,
      refreshTokenTtl: 3600,
      clockSkew: 0,
      tokenCacheSize: 0,
      subjectCacheTtl: 0,
    });
  });

  it.each(["EdDSA", "ES256", "RS256"] as const)("accepts the %s algorithm without a secret key", (algorithm) => {
    expect(resolve({ algorithm }).algorithm).toBe(algorithm);
  });
});

describe("resolveOptions algorithm and secret key", () => {
  it.each(["HS512", "none", "hs256"])("refuses the algorithm %j", (algorithm) => {
    expect(refusal({ algorithm: algorithm as GatehouseOptions["algorithm"] })).toBe(
      `unsupported algorithm: ${algorithm}`,
    );
  });

  it.each(["EdDSA", "ES256", "RS256"] as const)("refuses a secret key with %s", (algorithm) => {
    expect(refusal({ secretKey: "s3cret", algorithm })).toBe("a secret key can only be used with HS256");
  });

  it("accepts a secret key without an algorithm", () => {
    expect(resolve({ secretKey: "s3cret" })).toMatchObject({ secretKey: "s3cret", algorithm: undefined });
  });

  it("refuses an empty secret key", () => {
    expect(refusal({ secretKey: "" })).toBe("the secret key must not be empty");
  });
});

describe("resolveOptions lifetimes", () => {
  it.each(["accessTokenTtl", "refreshTokenTtl"] as const)("%s accepts 1 to 366 days of seconds", (option) => {
    expect(resolve({ [option]: 1 })[option]).toBe(1);
    expect(resolve({ [option]: MAX_TTL })[option]).toBe(MAX_TTL);
  });

  it.each([
    ["accessTokenTtl", "access token TTL", 0],
    ["accessTokenTtl", "access token TTL", -1],
    ["accessTokenTtl", "access token TTL", 1.5],
    ["accessTokenTtl", "access token TTL", MAX_TTL + 1],
    ["accessTokenTtl", "access token TTL", Number.NaN],
    ["refreshTokenTtl", "refresh token TTL", 0],
    ["refreshTokenTtl", "refresh token TTL", 60.5],
    ["refreshTokenTtl", "refresh token TTL", MAX_TTL + 1],
    ["refreshTokenTtl", "refresh token TTL", Number.POSITIVE_INFINITY],
  ] as const)("%s refuses %s = %s", (option, label, value) => {
    expect(refusal({ [option]: value })).toBe(`${label} must be 1–${MAX_TTL} seconds`);
  });

  it.each([0, 300])("clockSkew accepts %s", (clockSkew) => {
    expect(resolve({ clockSkew }).clockSkew).toBe(clockSkew);
  });

  it.each([-1, 301, 1.5, Number.NaN])("clockSkew refuses %s", (clockSkew) => {
    expect(refusal({ clockSkew })).toBe("clock skew must be 0–300 seconds");
  });

  it.each([0, 1000])("subjectCacheTtl accepts %s", (subjectCacheTtl) => {
    expect(resolve({ subjectCacheTtl }).subjectCacheTtl).toBe(subjectCacheTtl);
  });

  it.each([-1, 1001, 0.5])("subjectCacheTtl refuses %s", (subjectCacheTtl) => {
    expect(refusal({ subjectCacheTtl })).toBe("subjectCacheTtl must be 0–1000 milliseconds");
  });
});

describe("resolveOptions issuer and audience", () => {
  it("refuses an empty issuer", () => {
    expect(refusal({ issuer: "" })).toBe(
      'the issuer must be an absolute URL such as https://auth.example.com (got "")',
    );
  });

  it("refuses an empty audience", () => {
    expect(refusal({ audience: "" })).toBe("the audience must not be empty");
  });
});

describe("resolveOptions scopes", () => {
  it("adds the configured scopes to me and admin, which are always there", () => {
    expect(resolve({ scopes: { read: "Read things" } }).scopes).toEqual({ ...DEFAULT_SCOPES, read: "Read things" });
    expect(resolve({ scopes: { me: "Your profile" } }).scopes).toEqual({ ...DEFAULT_SCOPES, me: "Your profile" });
  });

  it.each(["", "has space", 'quo"te', "back\\slash", "x".repeat(65)])("refuses the scope name %j", (name) => {
    expect(refusal({ scopes: { [name]: "d" } })).toMatch(/^scope names are 1–64 printable ASCII characters/);
  });

  it("refuses a description over 200 characters", () => {
    expect(refusal({ scopes: { read: "d".repeat(201) } })).toBe(
      "the description of scope read must be a string of at most 200 characters",
    );
  });

  it("copies the scopes, so changing the input later changes nothing", () => {
    const scopes: Record<string, string> = { read: "Read things" };
    const resolved = resolve({ scopes });
    scopes.write = "Write things";
    expect(resolved.scopes).toEqual({ ...DEFAULT_SCOPES, read: "Read things" });
    expect(resolve().scopes).not.toBe(DEFAULT_SCOPES);
  });
});

describe("resolveOptions throttle", () => {
  it("turns throttling off with false", () => {
    expect(resolve({ throttle: false }).throttle).toBe(false);
  });

  it("fills a partial throttle with the contract's defaults", () => {
    expect(resolve({ throttle: { windowSeconds: 60, maxFailuresPerAddress: 5 } }).throttle).toEqual({
      ...DEFAULT_THROTTLE_LIMITS,
      windowSeconds: 60,
      maxFailuresPerAddress: 5,
    });
  });

  it.each([
    [{ windowSeconds: 0 }, "throttle windowSeconds must be a whole number from 1 to 604800"],
    [{ maxFailuresPerUser: 1.5 }, "throttle maxFailuresPerUser must be a whole number from 1 to 1000000"],
    [{ ipv6PrefixLength: 8 }, "throttle ipv6PrefixLength must be a whole number from 16 to 128"],
    [{ windowSeconds: 3600, maxDelaySeconds: 60 }, "throttle maxDelaySeconds must be at least windowSeconds"],
  ])("refuses %j", (throttle, message) => {
    expect(refusal({ throttle })).toBe(message);
  });
});

describe("resolveOptions hash queue", () => {
  it("fills a partial hash queue with the defaults", () => {
    expect(resolve({ hashQueue: { maxQueued: 0 } }).hashQueue).toEqual({
      concurrency: Math.max(1, Math.min(3, availableParallelism())),
      maxQueued: 0,
      retryAfterSeconds: 1,
    });
  });

  it("accepts the bounds", () => {
    expect(resolve({ hashQueue: { concurrency: 256, maxQueued: 100_000, retryAfterSeconds: 60 } }).hashQueue).toEqual({
      concurrency: 256,
      maxQueued: 100_000,
      retryAfterSeconds: 60,
    });
    expect(resolve({ hashQueue: { concurrency: 1 } }).hashQueue.concurrency).toBe(1);
  });

  it.each([
    [{ concurrency: 0 }, "hashQueue concurrency must be a whole number from 1 to 256"],
    [{ concurrency: 257 }, "hashQueue concurrency must be a whole number from 1 to 256"],
    [{ concurrency: 1.5 }, "hashQueue concurrency must be a whole number from 1 to 256"],
    [{ maxQueued: -1 }, "hashQueue maxQueued must be a whole number from 0 to 100000"],
    [{ maxQueued: 100_001 }, "hashQueue maxQueued must be a whole number from 0 to 100000"],
    [{ retryAfterSeconds: 0 }, "hashQueue retryAfterSeconds must be a positive whole number"],
    [{ retryAfterSeconds: 0.5 }, "hashQueue retryAfterSeconds must be a positive whole number"],
  ])("refuses %j", (hashQueue, message) => {
    expect(refusal({ hashQueue })).toBe(message);
  });

  it("refuses hashQueue together with a hasher of one's own", () => {
    expect(refusal({ hasher: createTestHasher(), hashQueue: { concurrency: 1 } })).toBe(
      "hashQueue configures the default hasher; set it on your own hasher instead",
    );
  });

  it("accepts a hasher of one's own without hashQueue", () => {
    expect(resolve({ hasher: createTestHasher() }).hashQueue).toEqual(resolve().hashQueue);
  });
});
