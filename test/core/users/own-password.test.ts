import { describe, expect, it } from "vitest";
import type { TokenRequestContext } from "../../../src/core/grants/token-request.js";
import { createFixedClock, isGatehouseError } from "../../../src/core/index.js";
import { createAuthenticate } from "../../../src/core/passwords/authenticate.js";
import { createCheckPassword } from "../../../src/core/passwords/check-password.js";
import type { StoredUser } from "../../../src/core/store.js";
import { createChangeOwnPassword } from "../../../src/core/users/own-password.js";
import { createUserService } from "../../../src/core/users/user-service.js";
import { memoryStore } from "../../../src/stores/memory/index.js";
import { createTestHasher } from "../../support/fixtures.js";

const NOW = Date.UTC(2026, 10, 1, 12);
const hasher = createTestHasher();
const CONTEXT = { clientAddress: "127.0.0.1" };
const JOHN = { username: "johndoe", email: "johndoe@example.com", password: "correct horse" };

function setup() {
  const store = memoryStore();
  const clock = createFixedClock(NOW);
  const users = createUserService({ store, hasher, clock, knownScopes: new Set(["me", "admin"]) });
  const authenticate = createAuthenticate({ store, hasher, clock });
  const checkPassword = createCheckPassword({ authenticate, throttle: null });
  // The session service's part is tested with it; here, what the change hands it.
  const started: Array<{ user: StoredUser; scopes: readonly string[]; context: TokenRequestContext }> = [];
  const startSession = async (user: StoredUser, scopes: readonly string[], context: TokenRequestContext) => {
    started.push({ user, scopes, context });
    return {
      access_token: "a",
      token_type: "bearer" as const,
      expires_in: 1,
      refresh_token: "r",
      scope: scopes.join(" "),
    };
  };
  const changeOwnPassword = createChangeOwnPassword({ checkPassword, users, store, startSession });
  return { store, users, started, changeOwnPassword };
}

async function failure(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    if (isGatehouseError(error)) {
      return { code: error.code, message: error.message, ...(error.field === undefined ? {} : { field: error.field }) };
    }
    throw error;
  }
  throw new Error("expected a GatehouseError");
}

describe("changing one's own password", () => {
  it("changeOwnPassword needs the current password", async () => {
    const { users, store, changeOwnPassword } = setup();
    const before = await users.create(JOHN);
    expect(await failure(changeOwnPassword("johndoe", "wrong password", "battery staple", CONTEXT))).toEqual({
      code: "invalid_grant",
      message: "Incorrect password",
    });
    expect(await store.findUserByUsername("johndoe")).toMatchObject(before);
    const changed = await changeOwnPassword("johndoe", "correct horse", "battery staple", CONTEXT);
    expect(changed.user).not.toHaveProperty("passwordHash");
    expect(changed.tokens).toBeNull();
    const stored = await store.findUserByUsername("johndoe");
    expect((await hasher.verify("battery staple", stored?.passwordHash ?? "")).ok).toBe(true);
  });

  it("changeOwnPassword begins the caller's new session after the change, with the scopes the user still holds", async () => {
    const { users, store, started, changeOwnPassword } = setup();
    await users.create({ ...JOHN, scopes: ["me"] });
    const changed = await changeOwnPassword("johndoe", "correct horse", "battery staple", {
      ...CONTEXT,
      newSession: { scopes: ["me", "admin"], clientId: "spa", userAgent: "curl/8" },
    });
    expect(changed.tokens).toMatchObject({ refresh_token: "r", scope: "me" });
    const stored = await store.findUserByUsername("johndoe");
    expect(started).toEqual([
      { user: stored, scopes: ["me"], context: { clientAddress: "127.0.0.1", clientId: "spa", userAgent: "curl/8" } },
    ]);
    // Started with the user as the change left it: its invalidation instant already moved.
    expect(started[0]?.user.tokensValidAfter).toBe(NOW);
  });

  it("changeOwnPassword refuses a current password longer than any stored one with invalid_grant", async () => {
    const { users, changeOwnPassword } = setup();
    await users.create(JOHN);
    expect(await failure(changeOwnPassword("johndoe", "x".repeat(1025), "battery staple", CONTEXT))).toEqual({
      code: "invalid_grant",
      message: "Incorrect password",
    });
  });

  it("changeOwnPassword checks the new password's policy", async () => {
    const { users, changeOwnPassword } = setup();
    await users.create(JOHN);
    expect(await failure(changeOwnPassword("johndoe", "correct horse", "short", CONTEXT))).toMatchObject({
      code: "validation_failed",
      field: "password",
    });
  });

  it("changeOwnPassword answers a user that no longer exists like a wrong password", async () => {
    const { changeOwnPassword } = setup();
    expect(await failure(changeOwnPassword("nobody", "correct horse", "battery staple", CONTEXT))).toEqual({
      code: "invalid_grant",
      message: "Incorrect password",
    });
  });
});
