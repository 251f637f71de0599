import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixedClock, createTestServer, login } from "../support/fixtures.js";

// The default reuse interval (10 s) and session max age, on a frozen clock: two tabs refreshing
// at once continue one session; a replay after the interval is theft; no session outlives its
// maximum age however often it is refreshed.
const clock = createFixedClock(1_800_000_000_000);
const DAY = 86_400_000;
let app: FastifyInstance;

beforeAll(async () => {
  ({ app } = await createTestServer({ clock, refreshTokenTtl: 7 * 86_400, sessionMaxAge: 10 * 86_400 }));
});
afterAll(() => app.close());

function refresh(refreshToken: string, extra: Record<string, string> = {}) {
  return app.inject({
    method: "POST",
    url: "/token",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken, ...extra }).toString(),
  });
}

const me = (accessToken: string) =>
  app.inject({ method: "GET", url: "/users/me", headers: { authorization: `Bearer ${accessToken}` } });

async function freshLogin() {
  const result = await login(app, "johndoe", "secret");
  expect(result.statusCode).toBe(200);
  return result.body as { access_token: string; refresh_token: string };
}

describe("the refresh reuse interval", () => {
  it("gives two concurrent refreshes with one token the same successor, and both succeed", async () => {
    const first = await freshLogin();
    const [a, b] = await Promise.all([refresh(first.refresh_token), refresh(first.refresh_token)]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(a.json().refresh_token).toBe(b.json().refresh_token);
    expect(a.json().access_token).not.toBe(b.json().access_token);
    for (const response of [a, b]) expect((await me(response.json().access_token)).statusCode).toBe(200);
    // The one session carries on from the shared successor.
    const next = await refresh(a.json().refresh_token);
    expect(next.statusCode).toBe(200);
    expect((await me(next.json().access_token)).statusCode).toBe(200);
  });

  it("answers a retry just inside the interval with the same successor and a working access token", async () => {
    const first = await freshLogin();
    const rotated = (await refresh(first.refresh_token)).json();
    clock.advance(9_999);
    const retry = await refresh(first.refresh_token);
    expect(retry.statusCode).toBe(200);
    expect(retry.json().refresh_token).toBe(rotated.refresh_token);
    expect((await me(retry.json().access_token)).statusCode).toBe(200);
    expect((await me(rotated.access_token)).statusCode).toBe(200);
  });

  it("revokes the whole family when the used token comes back once the interval has passed", async () => {
    const first = await freshLogin();
    const rotated = (await refresh(first.refresh_token)).json();
    clock.advance(10_000);
    const replay = await refresh(first.refresh_token);
    expect(replay.statusCode).toBe(400);
    expect(replay.json().error).toBe("invalid_grant");
    expect((await refresh(rotated.refresh_token)).statusCode).toBe(400);
    expect((await me(rotated.access_token)).statusCode).toBe(401);
    expect((await me(first.access_token)).statusCode).toBe(401);
  });

  // A thief replaying a used token cannot dodge the revocation by asking for more (or naming
  // another client): the replay is refused and the family ends all the same.
  for (const [what, extra, error] of [
    ["a wider scope", { scope: "me admin" }, "invalid_scope"],
    ["another client", { client_id: "someone-else" }, "invalid_grant"],
  ] as const) {
    it(`revokes the family for a replay after the interval that asks for ${what}`, async () => {
      const first = await freshLogin();
      const rotated = (await refresh(first.refresh_token)).json();
      clock.advance(10_000);
      const replay = await refresh(first.refresh_token, extra);
      expect(replay.statusCode).toBe(400);
      expect(replay.json().error).toBe(error);
      expect((await refresh(rotated.refresh_token)).statusCode).toBe(400);
      expect((await me(rotated.access_token)).statusCode).toBe(401);
    });
  }

  it("refuses a retry within the interval that asks for a wider scope, and the session carries on", async () => {
    const first = await freshLogin();
    const rotated = (await refresh(first.refresh_token)).json();
    clock.advance(1_000);
    expect((await refresh(first.refresh_token, { scope: "me admin" })).json().error).toBe("invalid_scope");
    expect((await refresh(rotated.refresh_token)).statusCode).toBe(200);
  });

  it("hands out successors that are not the presented token and look like any refresh token", async () => {
    const first = await freshLogin();
    const successor = (await refresh(first.refresh_token)).json().refresh_token;
    expect(successor).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(successor).not.toBe(first.refresh_token);
  });
});

describe("the session max age", () => {
  it("ends a session at its maximum age however often it is refreshed, and caps its tokens' expiry", async () => {
    const first = await freshLogin();
    let token = first.refresh_token;
    for (let day = 0; day < 9; day++) {
      clock.advance(DAY);
      const response = await refresh(token);
      expect(response.statusCode, `refresh on day ${day + 1}`).toBe(200);
      token = response.json().refresh_token;
    }
    const latest = (await refresh(token)).json();
    token = latest.refresh_token;
    const list = await app.inject({
      method: "GET",
      url: "/users/me/sessions",
      headers: { authorization: `Bearer ${latest.access_token}` },
    });
    const current = list.json().sessions.find((session: { current: boolean }) => session.current);
    const started = Date.parse(current.created_at);
    expect(Date.parse(current.expires_at)).toBe(started + 10 * DAY);
    clock.advance(DAY);
    const expired = await refresh(token);
    expect(expired.statusCode).toBe(400);
    expect(expired.json().error).toBe("invalid_grant");
  });
});
