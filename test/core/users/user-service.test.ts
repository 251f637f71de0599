import { describe, expect, it } from "vitest";
import {
  type CreateUserInput,
  createFixedClock,
  type GatehouseStore,
  isGatehouseError,
} from "../../../src/core/index.js";
import { createUserService } from "../../../src/core/users/user-service.js";
import { memoryStore } from "../../../src/stores/memory/index.js";
import { createTestHasher } from "../../support/fixtures.js";

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
// One hasher for the file: argon2 parameters are cheap, but building it need not be repeated.
const hasher = createTestHasher();

function setup(knownScopes: readonly string[] = ["me", "admin"]) {
  const clock = createFixedClock(NOW);
  const store = memoryStore();
  const users = createUserService({ store, hasher, clock, knownScopes: new Set(knownScopes) });
  return { clock, store, users };
}

const JOHN: CreateUserInput = { username: "johndoe", email: "johndoe@example.com", password: "correct horse" };

/** The stored hash: the service itself never hands one out. */
async function hashOf(store: GatehouseStore, username: string): Promise<string> {
  const user = await store.findUserByUsername(username);
  if (!user) throw new Error(`no user ${username}`);
  return user.passwordHash;
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string; field?: string }> {
  try {
    await promise;
  } catch (error) {
    if (!isGatehouseError(error)) throw error;
    return { code: error.code, message: error.message, ...(error.field === undefined ? {} : { field: error.field }) };
  }
  throw new Error("the call succeeded");
}

/** Starts a refresh family for the user straight in the store, to see who revokes it. */
async function addFamily(store: ReturnType<typeof memoryStore>, familyId: string) {
  await store.createRefreshFamily({
    tokenHash: `hash-${familyId}`,
    familyId,
    username: "johndoe",
    clientId: null,
    scope: "me",
    issuedAt: NOW,
    expiresAt: NOW + 3_600_000,
    ip: null,
    userAgent: null,
    amr: ["pwd"],
  });
}

async function familyRevoked(store: ReturnType<typeof memoryStore>, familyId: string): Promise<boolean> {
  return (await store.findTokenSubject("johndoe", null, familyId))?.revoked ?? false;
}

describe("user service: create", () => {
  it("stores the user with a hash of the password, the me scope and the creation time", async () => {
    const { users, store } = setup();
    const created = await users.create({ ...JOHN, fullName: "John Doe" });
    expect(created).toMatchObject({
      username: "johndoe",
      email: "johndoe@example.com",
      fullName: "John Doe",
      disabled: false,
      scopes: ["me"],
      tokensValidAfter: NOW,
      createdAt: NOW,
      updatedAt: NOW,
    });
    const stored = await store.findUserByUsername("johndoe");
    expect(stored).toMatchObject(created);
    expect(created).not.toHaveProperty("passwordHash");
    expect(stored?.passwordHash).not.toContain("correct horse");
    expect((await hasher.verify("correct horse", stored?.passwordHash ?? "")).ok).toBe(true);
  });

  it("defaults the full name to empty and keeps given scopes and disabled, each scope once", async () => {
    const { users } = setup();
    const created = await users.create({ ...JOHN, scopes: ["admin", "me", "admin"], disabled: true });
    expect(created).toMatchObject({ fullName: "", scopes: ["admin", "me"], disabled: true });
  });

  it("normalises the username with NFKC", async () => {
    const { users } = setup();
    expect((await users.create({ ...JOHN, username: "ｊｏｈｎｄｏｅ" })).username).toBe("johndoe");
  });

  it.each([
    ["an empty username", { username: "" }, "username"],
    ["a username mixing scripts", { username: "j\u043ehndoe" }, "username"],
    ["an invalid e-mail address", { email: "johndoe" }, "email"],
    ["a full name with a control character", { fullName: "John\u0000Doe" }, "full_name"],
    ["a full name of 257 characters", { fullName: "x".repeat(257) }, "full_name"],
    ["an unknown scope", { scopes: ["me", "superuser"] }, "scopes"],
    ["a password of 7 characters", { password: "1234567" }, "password"],
    ["a password of 1025 characters", { password: "x".repeat(1025) }, "password"],
  ])("refuses %s with validation_failed naming the field", async (_name, change, field) => {
    const { users, store } = setup();
    expect(await failure(users.create({ ...JOHN, ...change }))).toMatchObject({ code: "validation_failed", field });
    expect((await store.listUsers({ limit: 10, cursor: null })).users).toEqual([]);
  });

  it("names the unknown scope in the message", async () => {
    const { users } = setup();
    expect((await failure(users.create({ ...JOHN, scopes: ["superuser"] }))).message).toBe("unknown scope: superuser");
  });

  it("accepts a short password only with skipPasswordPolicy", async () => {
    const { users, store } = setup();
    await users.create({ ...JOHN, password: "secret", skipPasswordPolicy: true });
    expect((await hasher.verify("secret", await hashOf(store, "johndoe"))).ok).toBe(true);
  });

  it("refuses a username taken case-insensitively with user_exists", async () => {
    const { users, store } = setup();
    await users.create(JOHN);
    expect(await failure(users.create({ ...JOHN, username: "JohnDoe", email: "other@example.com" }))).toMatchObject({
      code: "user_exists",
    });
    expect((await store.findUserByUsername("johndoe"))?.email).toBe("johndoe@example.com");
  });

  // Pins today's behaviour: the default scope is `me` whatever the configured scopes are.
  it("refuses a user without scopes when me is not a known scope", async () => {
    const { users } = setup(["read"]);
    expect(await failure(users.create(JOHN))).toEqual({
      code: "validation_failed",
      message: "unknown scope: me",
      field: "scopes",
    });
  });
});

describe("user service: get", () => {
  it("finds a user case-insensitively and returns null for an unknown or malformed name", async () => {
    const { users } = setup();
    await users.create(JOHN);
    expect((await users.get("JOHNDOE"))?.username).toBe("johndoe");
    expect(await users.get("nobody")).toBeNull();
    expect(await users.get("")).toBeNull();
  });
});

describe("user service: update", () => {
  it("changes the given fields, keeps the others and stamps updatedAt", async () => {
    const { users, store, clock } = setup();
    await users.create({ ...JOHN, fullName: "John Doe" });
    clock.advance(1000);
    const updated = await users.update("johndoe", { email: "john@example.org", fullName: "Johnny" });
    expect(updated).toMatchObject({
      email: "john@example.org",
      fullName: "Johnny",
      scopes: ["me"],
      disabled: false,
      createdAt: NOW,
      updatedAt: NOW + 1000,
      tokensValidAfter: NOW,
    });
    expect(await store.findUserByUsername("johndoe")).toMatchObject(updated);
  });

  it("disabling ends the user's tokens and sessions; enabling again revives none of them", async () => {
    const { users, store, clock } = setup();
    await users.create(JOHN);
    await addFamily(store, "f1");
    clock.advance(1000);
    expect((await users.update("johndoe", { disabled: true })).disabled).toBe(true);
    expect((await store.findUserByUsername("johndoe"))?.disabled).toBe(true);
    expect(await familyRevoked(store, "f1")).toBe(true);
    clock.advance(1000);
    const enabled = await users.update("johndoe", { disabled: false });
    expect(enabled).toMatchObject({ disabled: false, tokensValidAfter: NOW + 1000 });
  });

  it("replaces the scopes with known ones, each once", async () => {
    const { users } = setup();
    await users.create(JOHN);
    // Another admin, so johndoe is not the last one when he loses admin.
    await users.create({ ...JOHN, username: "root", scopes: ["me", "admin"] });
    expect((await users.update("johndoe", { scopes: ["admin", "admin"] })).scopes).toEqual(["admin"]);
    expect((await users.update("johndoe", { scopes: [] })).scopes).toEqual([]);
  });

  it("refuses an unknown scope with validation_failed and changes nothing", async () => {
    const { users, store } = setup();
    await users.create(JOHN);
    expect(await failure(users.update("johndoe", { scopes: ["admin", "root"] }))).toEqual({
      code: "validation_failed",
      message: "unknown scope: root",
      field: "scopes",
    });
    expect((await store.findUserByUsername("johndoe"))?.scopes).toEqual(["me"]);
  });

  it.each([
    ["email", { email: "not an address" }],
    ["full_name", { fullName: "a\u0007b" }],
    ["password", { password: "short" }],
  ])("refuses an invalid %s with validation_failed naming it", async (field, input) => {
    const { users, store } = setup();
    const before = await users.create(JOHN);
    expect(await failure(users.update("johndoe", input))).toMatchObject({ code: "validation_failed", field });
    expect(await store.findUserByUsername("johndoe")).toMatchObject(before);
  });

  it("a new password replaces the hash, sets tokensValidAfter and revokes every session", async () => {
    const { users, store, clock } = setup();
    await users.create(JOHN);
    await addFamily(store, "f1");
    await addFamily(store, "f2");
    clock.advance(5000);
    const updated = await users.update("johndoe", { password: "battery staple" });
    expect(updated.tokensValidAfter).toBe(NOW + 5000);
    expect((await hasher.verify("battery staple", await hashOf(store, "johndoe"))).ok).toBe(true);
    expect((await hasher.verify("correct horse", await hashOf(store, "johndoe"))).ok).toBe(false);
    expect(await familyRevoked(store, "f1")).toBe(true);
    expect(await familyRevoked(store, "f2")).toBe(true);
  });

  it("refuses an unknown user with user_not_found", async () => {
    const { users } = setup();
    expect(await failure(users.update("nobody", { fullName: "Nobody" }))).toEqual({
      code: "user_not_found",
      message: "User not found",
    });
    expect(await failure(users.update("nobody", { password: "battery staple" }))).toMatchObject({
      code: "user_not_found",
    });
    expect(await failure(users.update("", { fullName: "x" }))).toMatchObject({ code: "user_not_found" });
  });
});

describe("user service: passwords and tokens", () => {
  it("setPassword sets a new password and invalidates older tokens", async () => {
    const { users, store, clock } = setup();
    await users.create(JOHN);
    clock.advance(1000);
    const updated = await users.setPassword("johndoe", "battery staple");
    expect(updated.tokensValidAfter).toBe(NOW + 1000);
    expect((await hasher.verify("battery staple", await hashOf(store, "johndoe"))).ok).toBe(true);
  });

  it("invalidateTokens moves tokensValidAfter to now and revokes every session, keeping the password", async () => {
    const { users, store, clock } = setup();
    await users.create(JOHN);
    const hashBefore = await hashOf(store, "johndoe");
    await addFamily(store, "f1");
    clock.advance(7000);
    const updated = await users.invalidateTokens("JohnDoe");
    expect(updated).toMatchObject({ tokensValidAfter: NOW + 7000 });
    expect(await hashOf(store, "johndoe")).toBe(hashBefore);
    expect(await familyRevoked(store, "f1")).toBe(true);
  });

  it("invalidateTokens refuses an unknown user with user_not_found", async () => {
    const { users } = setup();
    expect(await failure(users.invalidateTokens("nobody"))).toMatchObject({ code: "user_not_found" });
  });
});

describe("user service: list and remove", () => {
  it("lists users in pages ordered by case-folded username", async () => {
    const { users } = setup();
    for (const username of ["carol", "Alice", "bob", "dave", "Eve"]) {
      await users.create({ ...JOHN, username, email: `${username.toLowerCase()}@example.com` });
    }
    const first = await users.list({ limit: 2, cursor: null });
    expect(first.users.map((user) => user.username)).toEqual(["Alice", "bob"]);
    expect(first.nextCursor).not.toBeNull();
    const second = await users.list({ limit: 2, cursor: first.nextCursor });
    expect(second.users.map((user) => user.username)).toEqual(["carol", "dave"]);
    const last = await users.list({ limit: 2, cursor: second.nextCursor });
    expect(last).toMatchObject({ nextCursor: null });
    expect(last.users.map((user) => user.username)).toEqual(["Eve"]);
  });

  it("returns one page and no cursor when everything fits", async () => {
    const { users } = setup();
    await users.create(JOHN);
    const page = await users.list({ limit: 1, cursor: null });
    expect(page.users.map((user) => user.username)).toEqual(["johndoe"]);
    expect(page.nextCursor).toBeNull();
  });

  it.each([
    ["a zero limit", { limit: 0, cursor: null }, "limit must be a positive integer"],
    ["a fractional limit", { limit: 1.5, cursor: null }, "limit must be a positive integer"],
    ["a cursor we did not issue", { limit: 10, cursor: "!!" }, "invalid cursor"],
  ])("refuses %s with validation_failed", async (_name, options, message) => {
    const { users } = setup();
    expect(await failure(users.list(options))).toEqual({ code: "validation_failed", message });
  });

  it("removes a user with its sessions", async () => {
    const { users, store } = setup();
    await users.create(JOHN);
    await addFamily(store, "f1");
    await users.remove("JOHNDOE");
    expect(await users.get("johndoe")).toBeNull();
    expect(await store.findRefreshToken("hash-f1")).toBeNull();
  });

  it("lets a removed username be created again, with a fresh tokensValidAfter", async () => {
    const { users, clock } = setup();
    await users.create(JOHN);
    await users.remove("johndoe");
    clock.advance(1000);
    expect((await users.create(JOHN)).tokensValidAfter).toBe(NOW + 1000);
  });

  it("refuses to remove an unknown or malformed user with user_not_found", async () => {
    const { users } = setup();
    expect(await failure(users.remove("nobody"))).toEqual({ code: "user_not_found", message: "User not found" });
    expect(await failure(users.remove(""))).toMatchObject({ code: "user_not_found" });
  });
});
