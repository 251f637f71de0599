import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gatehouse } from "../../src/core/index.js";
import { createTestServer, login } from "../support/fixtures.js";

let app: FastifyInstance;
let gatehouse: Gatehouse;

// Strict rotation (no reuse interval): every second use is theft. test/http/refresh-reuse.test.ts
// covers the default interval, during which a retry gets the same successor.
beforeAll(async () => {
  ({ app, gatehouse } = await createTestServer({ refreshReuseInterval: 0 }));
});
afterAll(() => app.close());

function refresh(refreshToken: string, extra: Record<string, string> = {}, headers: Record<string, string> = {}) {
  return app.inject({
    method: "POST",
    url: "/token",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    payload: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken, ...extra }).toString(),
  });
}

function me(accessToken: string) {
  return app.inject({ method: "GET", url: "/users/me", headers: { authorization: `Bearer ${accessToken}` } });
}

async function freshLogin(username = "johndoe", password = "secret", extra: Record<string, string> = {}) {
  const result = await login(app, username, password, extra);
  expect(result.statusCode).toBe(200);
  return result.body as { access_token: string; refresh_token: string; scope: string };
}

describe("refresh tokens (strict rotation)", () => {
  it("come with every login, opaque, and rotate on each use", async () => {
    const first = await freshLogin();
    expect(first.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const response = await refresh(first.refresh_token);
    expect(response.statusCode).toBe(200);
    expect(response.headers["cache-control"]).toBe("no-store");
    const second = response.json();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.scope).toBe("me");
    expect((await me(second.access_token)).statusCode).toBe(200);
  });

  it("treat a second use as theft: 400 invalid_grant and the whole family is revoked", async () => {
    const first = await freshLogin();
    const rotated = (await refresh(first.refresh_token)).json();
    const replay = await refresh(first.refresh_token);
    expect(replay.statusCode).toBe(400);
    expect(replay.json().error).toBe("invalid_grant");
    // The thief's replay also ends the legitimate holder's newer tokens.
    expect((await refresh(rotated.refresh_token)).statusCode).toBe(400);
    expect((await me(rotated.access_token)).statusCode).toBe(401);
    expect((await me(first.access_token)).statusCode).toBe(401);
  });

  it("let exactly one of two concurrent refreshes with the same token win when there is no reuse interval", async () => {
    const first = await freshLogin();
    const results = await Promise.all([refresh(first.refresh_token), refresh(first.refresh_token)]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 400]);
  });

  it("may narrow the scope but never widen it", async () => {
    const root = await freshLogin("root", "rootpassword", { scope: "me" });
    expect((await refresh(root.refresh_token, { scope: "admin" })).json().error).toBe("invalid_scope");
    const admin = await freshLogin("root", "rootpassword");
    const narrowed = await refresh(admin.refresh_token, { scope: "me" });
    expect(narrowed.statusCode).toBe(200);
    expect(narrowed.json().scope).toBe("me");
  });

  it("are bound to the client they were issued to", async () => {
    const basic = (id: string) => ({ authorization: `Basic ${Buffer.from(`${id}:`).toString("base64")}` });
    const issued = await login(app, "johndoe", "secret", { client_id: "app-one" });
    const token = issued.body.refresh_token as string;
    expect((await refresh(token, {}, basic("app-two"))).statusCode).toBe(400);
    expect((await refresh(token, { client_id: "app-one" })).statusCode).toBe(200);
  });

  it("stop working for a disabled user, a removed user, and after a password change", async () => {
    await gatehouse.users.create({ username: "frank", email: "frank@example.com", password: "frank-password-1" });
    const a = await freshLogin("frank", "frank-password-1");
    await gatehouse.users.update("frank", { disabled: true });
    expect((await refresh(a.refresh_token)).json()).toMatchObject({ error: "invalid_grant" });
    await gatehouse.users.update("frank", { disabled: false });
    const b = await freshLogin("frank", "frank-password-1");
    await gatehouse.users.setPassword("frank", "frank-password-2");
    expect((await refresh(b.refresh_token)).statusCode).toBe(400);
    const c = await freshLogin("frank", "frank-password-2");
    await gatehouse.users.remove("frank");
    expect((await refresh(c.refresh_token)).statusCode).toBe(400);
  });

  it.each([
    ["missing", undefined],
    ["malformed", "not a token"],
    ["unknown", "A".repeat(43)],
  ])("rejects a %s refresh token", async (_name, value) => {
    const response = await app.inject({
      method: "POST",
      url: "/token",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload:
        value === undefined
          ? "grant_type=refresh_token"
          : `grant_type=refresh_token&refresh_token=${encodeURIComponent(value)}`,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe(value === undefined ? "invalid_request" : "invalid_grant");
  });
});
