import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessTokenFor, createTestServer, login } from "../support/fixtures.js";

let app: FastifyInstance;

beforeAll(async () => {
  ({ app } = await createTestServer());
});
afterAll(() => app.close());

const refresh = (refreshToken: string) =>
  app.inject({
    method: "POST",
    url: "/token",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken }).toString(),
  });
const readMe = (token: string) =>
  app.inject({ method: "GET", url: "/users/me", headers: { authorization: `Bearer ${token}` } });

describe("regression: disable then enable resurrected old tokens (review finding 8)", () => {
  it("keeps access and refresh tokens from before a disable dead after the user is enabled again", async () => {
    const root = await accessTokenFor(app, "root", "rootpassword");
    const before = await login(app, "johndoe", "secret");
    const patch = (disabled: boolean) =>
      app.inject({
        method: "PATCH",
        url: "/users/johndoe",
        headers: { authorization: `Bearer ${root}` },
        payload: { disabled },
      });
    expect((await patch(true)).statusCode).toBe(200);
    expect((await readMe(before.body.access_token as string)).json()).toEqual({ detail: "Inactive user" });
    expect((await patch(false)).statusCode).toBe(200);

    const oldAccess = await readMe(before.body.access_token as string);
    expect(oldAccess.statusCode).toBe(401);
    expect(oldAccess.headers["www-authenticate"]).toBe('Bearer error="invalid_token", scope="me"');
    const oldRefresh = await refresh(before.body.refresh_token as string);
    expect(oldRefresh.statusCode).toBe(400);
    expect(oldRefresh.json()).toMatchObject({ error: "invalid_grant" });

    const after = await login(app, "johndoe", "secret");
    expect((await readMe(after.body.access_token as string)).statusCode).toBe(200);
    expect((await refresh(after.body.refresh_token as string)).statusCode).toBe(200);
  });
});
