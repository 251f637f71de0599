import { hash as bcryptHash } from "@node-rs/bcrypt";
import { describe, expect, it } from "vitest";
import { createPasswordHasher, isGatehouseError } from "../../../src/core/index.js";

const hasher = createPasswordHasher();
// passlib's CryptContext(schemes=["bcrypt"]).hash("secret"), as in FastAPI's tutorial.
const PASSLIB_BCRYPT_SECRET = "$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW";
// passlib's documented pbkdf2_sha256 example for "password".
const PASSLIB_PBKDF2_PASSWORD =
  "$pbkdf2-sha256$6400$0ZrzXitFSGltTQnBWOsdAw$Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M";

describe("password hasher", () => {
  it("hashes with argon2id and OWASP parameters, and verifies its own hash", async () => {
    const stored = await hasher.hash("correct horse battery staple");
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hasher.verify("correct horse battery staple", stored)).toEqual({ ok: true, needsRehash: false });
    expect((await hasher.verify("wrong horse", stored)).ok).toBe(false);
  });

  it("verifies a passlib bcrypt hash and says it needs upgrading", async () => {
    expect(await hasher.verify("secret", PASSLIB_BCRYPT_SECRET)).toEqual({ ok: true, needsRehash: true });
    expect((await hasher.verify("Secret", PASSLIB_BCRYPT_SECRET)).ok).toBe(false);
  });

  it("verifies $2y$ and $2a$ spellings of the same bcrypt hash", async () => {
    for (const prefix of ["$2y$", "$2a$"]) {
      expect((await hasher.verify("secret", PASSLIB_BCRYPT_SECRET.replace("$2b$", prefix))).ok).toBe(true);
    }
  });

  it("compares only the first 72 bytes under bcrypt, as passlib and OpenBSD bcrypt do", async () => {
    const long = "a".repeat(72);
    const stored = await bcryptHash(long, 4);
    expect((await hasher.verify(`${long}anything after the limit`, stored)).ok).toBe(true);
    expect((await hasher.verify("a".repeat(1024), stored)).ok).toBe(true);
    expect((await hasher.verify("a".repeat(71), stored)).ok).toBe(false);
  });

  it("verifies a passlib pbkdf2-sha256 hash", async () => {
    expect(await hasher.verify("password", PASSLIB_PBKDF2_PASSWORD)).toEqual({ ok: true, needsRehash: true });
    expect((await hasher.verify("passw0rd", PASSLIB_PBKDF2_PASSWORD)).ok).toBe(false);
  });

  it("flags argon2id hashes with other parameters for upgrade", async () => {
    const weak = createPasswordHasher({ argon2: { memoryCost: 1024, timeCost: 1, parallelism: 1 } });
    const stored = await weak.hash("some password");
    expect(await hasher.verify("some password", stored)).toEqual({ ok: true, needsRehash: true });
  });

  it.each([
    "",
    "plain-text",
    "$argon2id$v=19$m=19456,t=2,p=1$broken",
    "$2b$12$short",
    "$pbkdf2-sha256$abc$salt$sum",
    "$pbkdf2-sha256$99999999999$c2FsdA$c3Vt",
    "$unknown$x",
  ])("treats the malformed hash %j as a mismatch, never an exception", async (stored) => {
    expect((await hasher.verify("secret", stored)).ok).toBe(false);
  });

  it("fails the dummy verification used for unknown users", async () => {
    expect((await hasher.verifyDummy("secret")).ok).toBe(false);
  });

  it("refuses work beyond its queue with overloaded instead of piling up", async () => {
    const tiny = createPasswordHasher({
      argon2: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
      queue: { concurrency: 1, maxQueued: 1 },
    });
    const results = await Promise.allSettled([tiny.hash("a"), tiny.hash("b"), tiny.hash("c")]);
    const refused = results.filter((r) => r.status === "rejected");
    expect(refused).toHaveLength(1);
    expect(isGatehouseError((refused[0] as PromiseRejectedResult).reason, "overloaded")).toBe(true);
  });

  it("refuses argon2 parameters its own hashes could not be verified with", () => {
    expect(() => createPasswordHasher({ argon2: { memoryCost: 512 * 1024, timeCost: 2, parallelism: 1 } })).toThrow(
      /memoryCost/,
    );
    expect(() => createPasswordHasher({ argon2: { memoryCost: 19456, timeCost: 11, parallelism: 1 } })).toThrow(
      /timeCost/,
    );
  });
});

describe("regression: a cost-31 bcrypt hash imported and would hold a thread for days (review finding 3)", () => {
  it.each([
    ["bcrypt at cost 31", PASSLIB_BCRYPT_SECRET.replace("$12$", "$31$")],
    ["bcrypt at cost 15", PASSLIB_BCRYPT_SECRET.replace("$12$", "$15$")],
    [
      "argon2id with 4 GiB",
      "$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$H7QRu+syON/E4uhlhRI9ZmwnkHDznVCdufyMCtqM4+g",
    ],
    [
      "argon2id with t=1000",
      "$argon2id$v=19$m=1024,t=1000,p=1$c29tZXNhbHRzb21lc2FsdA$H7QRu+syON/E4uhlhRI9ZmwnkHDznVCdufyMCtqM4+g",
    ],
    ["pbkdf2 with 4 billion rounds", PASSLIB_PBKDF2_PASSWORD.replace("$6400$", "$4000000000$")],
  ])("fails a stored %s at once, without doing its work", async (_kind, stored) => {
    const started = performance.now();
    expect(await hasher.verify("secret", stored)).toEqual({ ok: false, needsRehash: true });
    // Cost 12 takes ~200 ms here; cost 31 would take days. Nothing near either is spent.
    expect(performance.now() - started).toBeLessThan(150);
  });
});
