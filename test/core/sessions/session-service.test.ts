import { describe, expect, it } from "vitest";
import { createAuditLog } from "../../../src/core/audit/audit-log.js";
import { ACCESS_TOKEN_TYP, createFixedClock, MESSAGES } from "../../../src/core/index.js";
import { createKeyRing } from "../../../src/core/keys/key-ring.js";
import { generateSigningKey, loadSigningKey } from "../../../src/core/keys/signing-keys.js";
import { generateSuccessorKey, hashRefreshToken } from "../../../src/core/sessions/refresh-token.js";
import { createSessionService } from "../../../src/core/sessions/session-service.js";
import type { GatehouseStore, StoredUser } from "../../../src/core/store.js";
import { createAccessTokenService } from "../../../src/core/tokens/access-token.js";
import { memoryStore } from "../../../src/stores/memory/index.js";

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const REFRESH_TTL = 3600;
const ACCESS_TTL = 600;
const WEB = { clientAddress: "192.0.2.1" };
const INVALID_REFRESH = "The refresh token is invalid, expired or revoked";

const CONTEXT = { actor: "self" } as const;

async function setup() {
  const clock = createFixedClock(NOW);
  const store = memoryStore();
  const ring = createKeyRing({ keys: [loadSigningKey(generateSigningKey("HS256", NOW))], typ: ACCESS_TOKEN_TYP });
  const tokens = createAccessTokenService({
    keys: () => ring,
    issuer: "https://auth.example.com",
    ttlSeconds: ACCESS_TTL,
    clockSkewSeconds: 0,
    clock,
  });
  const sessions = createSessionService({
    store,
    tokens,
    clock,
    refreshTokenTtl: REFRESH_TTL,
    sessionMaxAge: 30 * 24 * 3600,
    // Strict rotation: these tests pin what a reused token does (the reuse interval has its own tests).
    reuseIntervalMs: 0,
    successorKey: generateSuccessorKey(),
    audit: createAuditLog({ store, clock }),
  });
  const user = await store.createUser(
    {
      username: "johndoe",
      email: "johndoe@example.com",
      fullName: "John Doe",
      disabled: false,
      scopes: ["me", "admin"],
      passwordHash: "unused",
    },
    NOW,
  );
  return { clock, store, tokens, sessions, user };
}

/** The refresh token of a response, which a session always issues. */
function refreshOf(response: { refresh_token?: string }): string {
  if (response.refresh_token === undefined) throw new Error("no refresh token in the response");
  return response.refresh_token;
}

async function familyRevoked(store: GatehouseStore, user: StoredUser, familyId: string): Promise<boolean> {
  const subject = await store.findTokenSubject(user.username, null, familyId);
  return subject?.revoked ?? false;
}

async function accessRevoked(store: GatehouseStore, user: StoredUser, jti: string): Promise<boolean> {
  const subject = await store.findTokenSubject(user.username, jti, null);
  return subject?.revoked ?? false;
}

async function codeOf(promise: Promise<unknown>): Promise<{ code: string; message: string } | null> {
  try {
    await promise;
    return null;
  } catch (error) {
    const { code, message } = error as { code: string; message: string };
    return { code, message };
  }
}

describe("session service: startSession", () => {
  it("issues a bearer access token and a refresh token for the given scopes", async () => {
    const { sessions, tokens, user } = await setup();
    const response = await sessions.startSession(user, ["me"], WEB);
    expect(response).toMatchObject({ token_type: "bearer", expires_in: ACCESS_TTL, scope: "me" });
    const claims = tokens.verify(response.access_token);
    expect(claims).toMatchObject({ sub: "johndoe", scope: "me", exp: NOW / 1000 + ACCESS_TTL });
    expect(claims.sid).toEqual(expect.any(String));
    // A request that names no client gets the default client id (strict resource servers need one).
    expect(claims.client_id).toBe("gatehouse");
    expect(refreshOf(response)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("stores the family under the token's hash, never the token itself", async () => {
    const { sessions, tokens, store, user } = await setup();
    const response = await sessions.startSession(user, ["me", "admin"], { ...WEB, clientId: "app" });
    const stored = await store.findRefreshToken(hashRefreshToken(refreshOf(response)));
    expect(stored).toMatchObject({
      tokenHash: hashRefreshToken(refreshOf(response)),
      familyId: tokens.verify(response.access_token).sid,
      username: "johndoe",
      clientId: "app",
      scope: "me admin",
      issuedAt: NOW,
      expiresAt: NOW + REFRESH_TTL * 1000,
      usedAt: null,
    });
    expect(await store.findRefreshToken(refreshOf(response))).toBeNull();
    expect(tokens.verify(response.access_token).client_id).toBe("app");
  });

  it("starts a new family for every login", async () => {
    const { sessions, tokens, user } = await setup();
    const first = await sessions.startSession(user, ["me"], WEB);
    const second = await sessions.startSession(user, ["me"], WEB);
    expect(tokens.verify(first.access_token).sid).not.toBe(tokens.verify(second.access_token).sid);
    expect(first.refresh_token).not.toBe(second.refresh_token);
  });
});

describe("session service: rotate", () => {
  it("issues a new pair in the same family and marks the old refresh token used", async () => {
    const { sessions, tokens, store, clock, user } = await setup();
    const login = await sessions.startSession(user, ["me", "admin"], WEB);
    clock.advance(60_000);
    const oldHash = hashRefreshToken(refreshOf(login));
    const rotated = await sessions.rotate(refreshOf(login), [], WEB);
    expect(rotated.scope).toBe("me admin");
    expect(rotated.refresh_token).not.toBe(login.refresh_token);
    expect(rotated.access_token).not.toBe(login.access_token);
    expect(tokens.verify(rotated.access_token).sid).toBe(tokens.verify(login.access_token).sid);
    expect((await store.findRefreshToken(oldHash))?.usedAt).toBe(NOW + 60_000);
    expect(await store.findRefreshToken(hashRefreshToken(refreshOf(rotated)))).toMatchObject({
      issuedAt: NOW + 60_000,
      expiresAt: NOW + 60_000 + REFRESH_TTL * 1000,
      usedAt: null,
      scope: "me admin",
    });
  });

  it("narrows the access token to the requested scopes", async () => {
    const { sessions, tokens, user } = await setup();
    const login = await sessions.startSession(user, ["me", "admin"], WEB);
    const rotated = await sessions.rotate(refreshOf(login), ["me"], WEB);
    expect(rotated.scope).toBe("me");
    expect(tokens.verify(rotated.access_token).scope).toBe("me");
  });

  it("refuses to widen the family's scopes with invalid_scope", async () => {
    const { sessions, store, user } = await setup();
    const login = await sessions.startSession(user, ["me"], WEB);
    const hash = hashRefreshToken(refreshOf(login));
    expect(await codeOf(sessions.rotate(refreshOf(login), ["me", "admin"], WEB))).toEqual({
      code: "invalid_scope",
      message: "Scope not granted to this session: admin",
    });
    expect((await store.findRefreshToken(hash))?.usedAt).toBeNull();
  });

  it("refuses a refresh token presented by another client with invalid_grant", async () => {
    const { sessions, store, user } = await setup();
    const login = await sessions.startSession(user, ["me"], { ...WEB, clientId: "app" });
    const hash = hashRefreshToken(refreshOf(login));
    expect(await codeOf(sessions.rotate(refreshOf(login), [], { ...WEB, clientId: "other" }))).toEqual({
      code: "invalid_grant",
      message: INVALID_REFRESH,
    });
    expect(await codeOf(sessions.rotate(refreshOf(login), [], WEB))).toMatchObject({ code: "invalid_grant" });
    expect((await store.findRefreshToken(hash))?.usedAt).toBeNull();
    await expect(sessions.rotate(refreshOf(login), [], { ...WEB, clientId: "app" })).resolves.toMatchObject({
      scope: "me",
    });
  });

  it("refuses a client_id on a token issued without one", async () => {
    const { sessions, user } = await setup();
    const login = await sessions.startSession(user, ["me"], WEB);
    expect(await codeOf(sessions.rotate(refreshOf(login), [], { ...WEB, clientId: "app" }))).toMatchObject({
      code: "invalid_grant",
    });
  });

  it("refuses an unknown refresh token with invalid_grant", async () => {
    const { sessions } = await setup();
    expect(await codeOf(sessions.rotate("x".repeat(43), [], WEB))).toEqual({
      code: "invalid_grant",
      message: INVALID_REFRESH,
    });
  });

  it("detects reuse: a used refresh token is refused and its whole family revoked", async () => {
    const { sessions, store, tokens, user } = await setup();
    const login = await sessions.startSession(user, ["me"], WEB);
    const familyId = tokens.verify(login.access_token).sid as string;
    const first = refreshOf(login);
    const rotated = await sessions.rotate(first, [], WEB);
    expect(await familyRevoked(store, user, familyId)).toBe(false);

    expect(await codeOf(sessions.rotate(first, [], WEB))).toEqual({ code: "invalid_grant", message: INVALID_REFRESH });
    expect(await familyRevoked(store, user, familyId)).toBe(true);
    // The legitimate holder's newer token dies with the family.
    expect(await codeOf(sessions.rotate(refreshOf(rotated), [], WEB))).toMatchObject({
      code: "invalid_grant",
    });
  });

  it("drops scopes the user lost since the login", async () => {
    const { sessions, store, user } = await setup();
    const login = await sessions.startSession(user, ["me", "admin"], WEB);
    await store.updateUser("johndoe", { scopes: ["me"] }, NOW);
    const rotated = await sessions.rotate(refreshOf(login), [], WEB);
    expect(rotated.scope).toBe("me");
  });

  it("drops a lost scope even when it is requested explicitly", async () => {
    const { sessions, store, user } = await setup();
    const login = await sessions.startSession(user, ["me", "admin"], WEB);
    await store.updateUser("johndoe", { scopes: ["me"] }, NOW);
    const rotated = await sessions.rotate(refreshOf(login), ["admin"], WEB);
    expect(rotated.scope).toBe("");
  });

  it("refuses a disabled user with invalid_grant Inactive user", async () => {
    const { sessions, store, user } = await setup();
    const login = await sessions.startSession(user, ["me"], WEB);
    await store.updateUser("johndoe", { disabled: true }, NOW);
    const hash = hashRefreshToken(refreshOf(login));
    expect(await codeOf(sessions.rotate(refreshOf(login), [], WEB))).toEqual({
      code: "invalid_grant",
      message: MESSAGES.inactiveUser,
    });
    expect((await store.findRefreshToken(hash))?.usedAt).toBeNull();
  });

  it("refuses a refresh token issued before the user's tokensValidAfter", async () => {
    const { sessions, store, clock, user } = await setup();
    const login = await sessions.startSession(user, ["me"], WEB);
    clock.advance(1);
    // Straight to the store, so only the tokensValidAfter check can refuse (the user service also revokes families).
    await store.updateUser("johndoe", { tokensValidAfter: clock.now() }, clock.now());
    expect(await codeOf(sessions.rotate(refreshOf(login), [], WEB))).toEqual({
      code: "invalid_grant",
      message: INVALID_REFRESH,
    });
  });

  it("accepts a refresh token issued in the very millisecond of tokensValidAfter", async () => {
    const { sessions, store, user } = await setup();
    await store.updateUser("johndoe", { tokensValidAfter: NOW }, NOW);
    const login = await sessions.startSession(user, ["me"], WEB);
    await expect(sessions.rotate(refreshOf(login), [], WEB)).resolves.toMatchObject({ scope: "me" });
  });

  it("refuses a refresh token once it has expired", async () => {
    const { sessions, clock, user } = await setup();
    const login = await sessions.startSession(user, ["me"], WEB);
    clock.advance(REFRESH_TTL * 1000);
    expect(await codeOf(sessions.rotate(refreshOf(login), [], WEB))).toEqual({
      code: "invalid_grant",
      message: INVALID_REFRESH,
    });
  });

  it("accepts a refresh token a millisecond before it expires", async () => {
    const { sessions, clock, user } = await setup();
    const login = await sessions.startSession(user, ["me"], WEB);
    clock.advance(REFRESH_TTL * 1000 - 1);
    await expect(sessions.rotate(refreshOf(login), [], WEB)).resolves.toMatchObject({ scope: "me" });
  });

  it("refuses a refresh token of a user who was deleted", async () => {
    const { sessions, store, user } = await setup();
    const login = await sessions.startSession(user, ["me"], WEB);
    await store.deleteUser("johndoe");
    expect(await codeOf(sessions.rotate(refreshOf(login), [], WEB))).toMatchObject({
      code: "invalid_grant",
    });
  });
});

describe("session service: revoke", () => {
  it("revoking a refresh token ends its family", async () => {
    const { sessions, store, tokens, user } = await setup();
    const login = await sessions.startSession(user, ["me"], WEB);
    const familyId = tokens.verify(login.access_token).sid as string;
    await sessions.revoke(refreshOf(login), undefined, CONTEXT);
    expect(await familyRevoked(store, user, familyId)).toBe(true);
    expect(await codeOf(sessions.rotate(refreshOf(login), [], WEB))).toMatchObject({
      code: "invalid_grant",
    });
  });

  it("revoking a refresh token leaves the user's other sessions alone", async () => {
    const { sessions, store, tokens, user } = await setup();
    const first = await sessions.startSession(user, ["me"], WEB);
    const second = await sessions.startSession(user, ["me"], WEB);
    await sessions.revoke(refreshOf(first), "refresh_token", CONTEXT);
    expect(await familyRevoked(store, user, tokens.verify(second.access_token).sid as string)).toBe(false);
  });

  it("revoking an access token revokes its jti but not its family", async () => {
    const { sessions, store, tokens, user } = await setup();
    const login = await sessions.startSession(user, ["me"], WEB);
    const claims = tokens.verify(login.access_token);
    await sessions.revoke(login.access_token, undefined, CONTEXT);
    expect(await accessRevoked(store, user, claims.jti as string)).toBe(true);
    expect(await familyRevoked(store, user, claims.sid as string)).toBe(false);
  });

  it("revokes a refresh token's family despite an access_token hint", async () => {
    const { sessions, store, tokens, user } = await setup();
    const login = await sessions.startSession(user, ["me"], WEB);
    await sessions.revoke(refreshOf(login), "access_token", CONTEXT);
    expect(await familyRevoked(store, user, tokens.verify(login.access_token).sid as string)).toBe(true);
  });

  it.each(["refresh_token", "something_else"])("revokes an access token despite the hint %s", async (hint) => {
    const { sessions, store, tokens, user } = await setup();
    const login = await sessions.startSession(user, ["me"], WEB);
    await sessions.revoke(login.access_token, hint, CONTEXT);
    expect(await accessRevoked(store, user, tokens.verify(login.access_token).jti as string)).toBe(true);
  });

  it("honours a correct access_token hint", async () => {
    const { sessions, store, tokens, user } = await setup();
    const login = await sessions.startSession(user, ["me"], WEB);
    const claims = tokens.verify(login.access_token);
    await sessions.revoke(login.access_token, "access_token", CONTEXT);
    expect(await accessRevoked(store, user, claims.jti as string)).toBe(true);
  });

  it.each([
    ["a random string", "not a token"],
    ["an unknown refresh-shaped token", "A".repeat(43)],
    ["an empty string", ""],
    ["a JWT with a bad signature", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqb2huZG9lIn0.c2lnbmF0dXJl"],
  ])("ignores %s", async (_name, token) => {
    const { sessions, store, tokens, user } = await setup();
    const login = await sessions.startSession(user, ["me"], WEB);
    const claims = tokens.verify(login.access_token);
    const before = await store.changeVersion();
    for (const hint of [undefined, "access_token", "refresh_token"]) {
      await expect(sessions.revoke(token, hint, CONTEXT)).resolves.toBeUndefined();
    }
    expect(await store.changeVersion()).toBe(before);
    expect(await familyRevoked(store, user, claims.sid as string)).toBe(false);
    expect(await accessRevoked(store, user, claims.jti as string)).toBe(false);
  });

  it("ignores an access token that has expired", async () => {
    const { sessions, store, tokens, clock, user } = await setup();
    const login = await sessions.startSession(user, ["me"], WEB);
    const claims = tokens.verify(login.access_token);
    clock.advance(ACCESS_TTL * 1000 + 1000);
    await sessions.revoke(login.access_token, "access_token", CONTEXT);
    expect(await accessRevoked(store, user, claims.jti as string)).toBe(false);
  });
});

describe("session service: logout", () => {
  it("revokes the access token and its family", async () => {
    const { sessions, store, tokens, user } = await setup();
    const login = await sessions.startSession(user, ["me"], WEB);
    const other = await sessions.startSession(user, ["me"], WEB);
    const claims = tokens.verify(login.access_token);
    await sessions.logout(claims, CONTEXT);
    expect(await accessRevoked(store, user, claims.jti as string)).toBe(true);
    expect(await familyRevoked(store, user, claims.sid as string)).toBe(true);
    expect(await codeOf(sessions.rotate(refreshOf(login), [], WEB))).toMatchObject({
      code: "invalid_grant",
    });
    expect(await familyRevoked(store, user, tokens.verify(other.access_token).sid as string)).toBe(false);
  });

  it("remembers the revoked jti until the access token would have expired", async () => {
    const { sessions, store, tokens, user } = await setup();
    const login = await sessions.startSession(user, ["me"], WEB);
    const claims = tokens.verify(login.access_token);
    await sessions.logout(claims, CONTEXT);
    await store.purgeExpired(claims.exp * 1000 - 1);
    expect(await accessRevoked(store, user, claims.jti as string)).toBe(true);
    await store.purgeExpired(claims.exp * 1000 + 1);
    expect(await accessRevoked(store, user, claims.jti as string)).toBe(false);
  });

  it("revokes only the jti of a token without a session", async () => {
    const { sessions, store, tokens, user } = await setup();
    const issued = tokens.issue({ subject: "johndoe", scopes: ["me"] });
    const login = await sessions.startSession(user, ["me"], WEB);
    await sessions.logout(issued.claims, CONTEXT);
    expect(await accessRevoked(store, user, issued.claims.jti as string)).toBe(true);
    expect(await familyRevoked(store, user, tokens.verify(login.access_token).sid as string)).toBe(false);
  });
});
