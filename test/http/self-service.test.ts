import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gatehouse } from "../../src/core/index.js";
import { accessTokenFor, createTestServer, login } from "../support/fixtures.js";

let app: FastifyInstance;
let gatehouse: Gatehouse;

beforeAll(async () => {
  ({ app, gatehouse } = await createTestServer());
  await gatehouse.users.create({ username: "judy", email: "judy@example.com", password: "judy-password-1" });
});
afterAll(() => app.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("self-service", () => {
  it("PATCH /users/me changes email and full name only", async () => {
    const token = await accessTokenFor(app, "judy", "judy-password-1");
    const response = await app.inject({
      method: "PATCH",
      url: "/users/me",
      headers: bearer(token),
      payload: { full_name: "Judy J", email: "judy@new.example.com" },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ full_name: "Judy J", email: "judy@new.example.com", scopes: ["me"] });
    const escalate = await app.inject({
      method: "PATCH",
      url: "/users/me",
      headers: bearer(token),
      payload: { scopes: ["admin"] },
    });
    expect(escalate.statusCode).toBe(422);
    expect((await gatehouse.users.get("judy"))?.scopes).toEqual(["me"]);
  });

  it("POST /users/me/password needs the current password", async () => {
    const token = await accessTokenFor(app, "judy", "judy-password-1");
    const response = await app.inject({
      method: "POST",
      url: "/users/me/password",
      headers: bearer(token),
      payload: { current_password: "wrong-password", new_password: "judy-password-2" },
    });
    expect(response.statusCode).toBe(400);
    expect((await login(app, "judy", "judy-password-1")).statusCode).toBe(200);
  });

  it("POST /users/me/password enforces the policy on the new password", async () => {
    const token = await accessTokenFor(app, "judy", "judy-password-1");
    const response = await app.inject({
      method: "POST",
      url: "/users/me/password",
      headers: bearer(token),
      payload: { current_password: "judy-password-1", new_password: "short" },
    });
    expect(response.statusCode).toBe(422);
  });

  it("POST /users/me/password ends every earlier token, and the new password works at once", async () => {
    const first = await login(app, "judy", "judy-password-1");
    const token = first.body.access_token as string;
    const response = await app.inject({
      method: "POST",
      url: "/users/me/password",
      headers: bearer(token),
      payload: { current_password: "judy-password-1", new_password: "judy-password-2" },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["cache-control"]).toBe("no-store");
    expect((await app.inject({ method: "GET", url: "/users/me", headers: bearer(token) })).statusCode).toBe(401);
    // The caller continues in a new session: its access token works, its refresh token rotates.
    const next = response.json() as { access_token: string; refresh_token: string; token_type: string; scope: string };
    expect(next).toMatchObject({ token_type: "bearer", scope: "me" });
    expect((await app.inject({ method: "GET", url: "/users/me", headers: bearer(next.access_token) })).statusCode).toBe(
      200,
    );
    const rotated = await app.inject({
      method: "POST",
      url: "/token",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: `grant_type=refresh_token&refresh_token=${next.refresh_token}`,
    });
    expect(rotated.statusCode).toBe(200);
    const refreshed = await app.inject({
      method: "POST",
      url: "/token",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: `grant_type=refresh_token&refresh_token=${first.body.refresh_token}`,
    });
    expect(refreshed.statusCode).toBe(400);
    const fresh = await accessTokenFor(app, "judy", "judy-password-2");
    expect((await app.inject({ method: "GET", url: "/users/me", headers: bearer(fresh) })).statusCode).toBe(200);
  });
});
