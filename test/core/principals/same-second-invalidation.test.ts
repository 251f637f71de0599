import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createFixedClock, type Gatehouse, isGatehouseError } from "../../../src/core/index.js";
import { newSessionId, sessionStartedAt } from "../../../src/core/sessions/session-id.js";
import { createTestGatehouse } from "../../support/fixtures.js";

// A whole second, so every step below happens within it.
const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const SECRET = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";

async function login(gatehouse: Gatehouse, password = "secret") {
  return gatehouse.handleTokenRequest({ username: "johndoe", password }, { clientAddress: "127.0.0.1" });
}

const refused = (promise: Promise<unknown>) =>
  promise.then(
    () => false,
    (error) => isGatehouseError(error, "invalid_token"),
  );

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString());

/** The seed's create_access_token: python-jose with sub and exp only, no kid, no iat, no jti. */
function seedToken(expSeconds: number): string {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const input = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub: "johndoe", exp: expSeconds })}`;
  return `${input}.${createHmac("sha256", SECRET).update(input).digest("base64url")}`;
}

describe("invalidation with whole-second iat", () => {
  it("refuses a token made before a password change and accepts one made after it, in the same second", async () => {
    const clock = createFixedClock(NOW + 100);
    const { gatehouse } = await createTestGatehouse({ clock });
    const before = await login(gatehouse);
    clock.set(NOW + 500);
    await gatehouse.users.setPassword("johndoe", "another-password-1");
    clock.set(NOW + 600);
    const after = await login(gatehouse, "another-password-1");
    expect(claimsOf(before.access_token).iat).toBe(claimsOf(after.access_token).iat);
    expect(await refused(gatehouse.currentActiveUser(before.access_token))).toBe(true);
    expect((await gatehouse.currentActiveUser(after.access_token)).user.username).toBe("johndoe");
  });

  it("accepts a refreshed token of a session begun after a logout everywhere in the same second", async () => {
    const clock = createFixedClock(NOW + 100);
    const { gatehouse } = await createTestGatehouse({ clock });
    await gatehouse.logoutEverywhere("johndoe");
    clock.set(NOW + 200);
    const first = await login(gatehouse);
    clock.set(NOW + 300);
    const refreshed = await gatehouse.handleTokenRequest(
      { grant_type: "refresh_token", refresh_token: first.refresh_token },
      { clientAddress: "127.0.0.1" },
    );
    expect((await gatehouse.currentActiveUser(refreshed.access_token)).user.username).toBe("johndoe");
    clock.set(NOW + 400);
    await gatehouse.logoutEverywhere("johndoe");
    expect(await refused(gatehouse.currentActiveUser(refreshed.access_token))).toBe(true);
  });

  it("carries the login's millisecond in the session id", () => {
    const sid = newSessionId(NOW + 123);
    expect(sid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(sessionStartedAt(sid)).toBe(NOW + 123);
    expect(sessionStartedAt("0b7c3f7e-3d5c-4c35-9a8e-1f2d3c4b5a69")).toBeNull();
  });
});

describe("tokens of the seed's FastAPI app (shared secret, no iat)", () => {
  it("counts one as made a TTL before it expires, so a password change made after that refuses it", async () => {
    const clock = createFixedClock(NOW);
    const { gatehouse } = await createTestGatehouse({ clock, secretKey: SECRET });
    clock.advance(5_000);
    const token = seedToken(Math.floor(clock.now() / 1000) + 1800);
    // No scopes in it: routes needing one refuse it, routes needing none accept it.
    await expect(gatehouse.currentActiveUser(token, ["me"])).rejects.toSatisfy((error) =>
      isGatehouseError(error, "insufficient_scope"),
    );
    expect((await gatehouse.currentActiveUser(token)).user.username).toBe("johndoe");
    clock.advance(1_000);
    await gatehouse.users.setPassword("johndoe", "another-password-1");
    expect(await refused(gatehouse.currentActiveUser(token))).toBe(true);
  });

  it("takes one back with /revoke's logic, though it has no jti", async () => {
    const clock = createFixedClock(NOW + 5_000);
    const { gatehouse } = await createTestGatehouse({ clock, secretKey: SECRET });
    clock.advance(2_000);
    const token = seedToken(Math.floor(clock.now() / 1000) + 1800);
    const other = seedToken(Math.floor(clock.now() / 1000) + 1799);
    await gatehouse.revokeToken(token);
    expect(await refused(gatehouse.currentActiveUser(token))).toBe(true);
    expect((await gatehouse.currentActiveUser(other)).user.username).toBe("johndoe");
  });

  it("takes one back on logout, though it has no jti and no session", async () => {
    const clock = createFixedClock(NOW + 5_000);
    const { gatehouse } = await createTestGatehouse({ clock, secretKey: SECRET });
    clock.advance(2_000);
    const token = seedToken(Math.floor(clock.now() / 1000) + 1800);
    await gatehouse.logout(await gatehouse.currentActiveUser(token));
    expect(await refused(gatehouse.currentActiveUser(token))).toBe(true);
  });
});
