import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gatehouse } from "../../src/core/index.js";
import { accessTokenFor, createFixedClock, createTestServer, login } from "../support/fixtures.js";

// Each login a second after the last, so "newest first" has one answer.
const clock = createFixedClock(1_800_000_000_000);
let app: FastifyInstance;
let gatehouse: Gatehouse;
let admin: string;

beforeAll(async () => {
  ({ app, gatehouse } = await createTestServer({ clock }));
  admin = await accessTokenFor(app, "root", "rootpassword");
});
afterAll(() => app.close());

interface Tokens {
  access_token: string;
  refresh_token: string;
}

async function loginAs(username: string, password: string, userAgent: string, extra: Record<string, string> = {}) {
  clock.advance(1000);
  const response = await app.inject({
    method: "POST",
    url: "/token",
    headers: { "content-type": "application/x-www-form-urlencoded", "user-agent": userAgent },
    payload: new URLSearchParams({ username, password, ...extra }).toString(),
  });
  expect(response.statusCode).toBe(200);
  return response.json() as Tokens;
}

const get = (url: string, token: string) =>
  app.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}` } });
const remove = (url: string, token: string) =>
  app.inject({ method: "DELETE", url, headers: { authorization: `Bearer ${token}` } });
const refresh = (refreshToken: string, userAgent = "refresher/1.0") =>
  app.inject({
    method: "POST",
    url: "/token",
    headers: { "content-type": "application/x-www-form-urlencoded", "user-agent": userAgent },
    payload: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken }).toString(),
  });

async function createUser(username: string) {
  await gatehouse.users.create({ username, email: `${username}@example.com`, password: `${username}-password` });
  return (agent: string, extra?: Record<string, string>) => loginAs(username, `${username}-password`, agent, extra);
}

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

describe("GET /users/me/sessions", () => {
  it("lists the caller's sessions newest first with every field, and marks the caller's own as current", async () => {
    const loginAsMia = await createUser("mia");
    const laptop = await loginAsMia("Laptop/1.0");
    const phone = await loginAsMia("Phone/2.0", { client_id: "mobile-app" });
    const response = await get("/users/me/sessions", laptop.access_token);
    expect(response.statusCode).toBe(200);
    const { sessions } = response.json();
    expect(sessions).toHaveLength(2);
    const [newest, oldest] = sessions;
    expect(Object.keys(newest).sort()).toEqual(
      ["amr", "client_id", "created_at", "current", "expires_at", "id", "ip", "last_used_at", "user_agent"].sort(),
    );
    expect(newest).toMatchObject({
      client_id: "mobile-app",
      ip: "127.0.0.1",
      user_agent: "Phone/2.0",
      amr: ["pwd"],
      current: false,
    });
    expect(oldest).toMatchObject({ client_id: "gatehouse", user_agent: "Laptop/1.0", current: true });
    for (const field of ["created_at", "last_used_at", "expires_at"]) expect(newest[field]).toMatch(RFC3339);
    expect(Date.parse(newest.created_at)).toBe(Date.parse(oldest.created_at) + 1000);
    // The session id is the `sid` of the session's access tokens.
    const sid = JSON.parse(Buffer.from(phone.access_token.split(".")[1] as string, "base64url").toString()).sid;
    expect(newest.id).toBe(sid);
    expect(JSON.stringify(sessions)).not.toContain(laptop.refresh_token);
  });

  it("shows the latest refresh's time and user agent", async () => {
    const loginAsNed = await createUser("ned");
    const first = await loginAsNed("Browser/1.0");
    clock.advance(5000);
    const rotated = (await refresh(first.refresh_token, "Browser/1.1")).json() as Tokens;
    const [session] = (await get("/users/me/sessions", rotated.access_token)).json().sessions;
    expect(session).toMatchObject({ user_agent: "Browser/1.1", current: true });
    expect(Date.parse(session.last_used_at)).toBe(Date.parse(session.created_at) + 5000);
  });

  it("needs a token with scope me", async () => {
    expect((await app.inject({ method: "GET", url: "/users/me/sessions" })).statusCode).toBe(401);
  });
});

describe("DELETE /users/me/sessions/{id}", () => {
  it("ends that session at once (its refresh and access tokens die) while the caller's keeps working", async () => {
    const loginAsOla = await createUser("ola");
    const mine = await loginAsOla("Mine/1.0");
    const other = await loginAsOla("Other/1.0");
    const sessions = (await get("/users/me/sessions", mine.access_token)).json().sessions;
    const target = sessions.find((session: { current: boolean }) => !session.current);
    const response = await remove(`/users/me/sessions/${target.id}`, mine.access_token);
    expect(response.statusCode).toBe(204);
    expect((await get("/users/me", other.access_token)).statusCode).toBe(401);
    expect((await refresh(other.refresh_token)).statusCode).toBe(400);
    expect((await get("/users/me", mine.access_token)).statusCode).toBe(200);
    expect((await refresh(mine.refresh_token)).statusCode).toBe(200);
    const left = (await get("/users/me/sessions", mine.access_token)).json().sessions;
    expect(left.map((session: { id: string }) => session.id)).not.toContain(target.id);
  });

  it("answers 404 for another user's session id, and leaves that session alone", async () => {
    const loginAsPia = await createUser("pia");
    const loginAsQuinn = await createUser("quinn");
    const pia = await loginAsPia("Pia/1.0");
    const quinn = await loginAsQuinn("Quinn/1.0");
    const [quinnSession] = (await get("/users/me/sessions", quinn.access_token)).json().sessions;
    const response = await remove(`/users/me/sessions/${quinnSession.id}`, pia.access_token);
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ detail: "Session not found" });
    expect((await get("/users/me", quinn.access_token)).statusCode).toBe(200);
  });

  it("answers 404 for an unknown or already ended session", async () => {
    const loginAsRay = await createUser("ray");
    const ray = await loginAsRay("Ray/1.0");
    expect((await remove("/users/me/sessions/no-such-session", ray.access_token)).statusCode).toBe(404);
  });
});

describe("admin session routes", () => {
  it("list any user's sessions and end one of them", async () => {
    const loginAsSam = await createUser("sam");
    const sam = await loginAsSam("Sam/1.0");
    const listed = await get("/users/sam/sessions", admin);
    expect(listed.statusCode).toBe(200);
    const [session] = listed.json().sessions;
    expect(session).toMatchObject({ user_agent: "Sam/1.0", current: false });
    expect((await remove(`/users/SAM/sessions/${session.id}`, admin)).statusCode).toBe(204);
    expect((await get("/users/me", sam.access_token)).statusCode).toBe(401);
    expect((await get("/users/sam/sessions", admin)).json().sessions).toEqual([]);
  });

  it("answer 404 for an unknown user, and for a session of someone else", async () => {
    const loginAsTia = await createUser("tia");
    await loginAsTia("Tia/1.0");
    const [tiaSession] = (await get("/users/tia/sessions", admin)).json().sessions;
    expect((await get("/users/ghost/sessions", admin)).statusCode).toBe(404);
    expect((await remove(`/users/root/sessions/${tiaSession.id}`, admin)).statusCode).toBe(404);
  });

  it("refuse a token without scope admin with 403", async () => {
    const user = await login(app, "johndoe", "secret");
    const token = user.body.access_token as string;
    expect((await get("/users/johndoe/sessions", token)).statusCode).toBe(403);
    expect((await remove("/users/johndoe/sessions/x", token)).statusCode).toBe(403);
  });
});

describe("disabling a user", () => {
  it("ends every session: after re-enabling, the old access and refresh tokens stay dead", async () => {
    const loginAsUma = await createUser("uma");
    const before = await loginAsUma("Uma/1.0");
    await gatehouse.users.update("uma", { disabled: true });
    await gatehouse.users.update("uma", { disabled: false });
    expect((await get("/users/me", before.access_token)).statusCode).toBe(401);
    expect((await refresh(before.refresh_token)).statusCode).toBe(400);
    const after = await loginAsUma("Uma/2.0");
    const sessions = (await get("/users/me/sessions", after.access_token)).json().sessions;
    expect(sessions.map((session: { user_agent: string }) => session.user_agent)).toEqual(["Uma/2.0"]);
  });
});
