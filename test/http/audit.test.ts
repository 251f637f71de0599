import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditEventJson, Gatehouse, GatehouseStore } from "../../src/core/index.js";
import { accessTokenFor, createFixedClock, createTestServer } from "../support/fixtures.js";

const clock = createFixedClock(1_800_000_000_000);
let app: FastifyInstance;
let gatehouse: Gatehouse;
let store: GatehouseStore;
let admin: string;
/** Every password, token and hash the tests use: none may appear in any event. */
const secrets = new Set<string>(["secret", "secretalice", "rootpassword"]);

beforeAll(async () => {
  ({ app, gatehouse, store } = await createTestServer({
    clock,
    throttle: { maxFailuresPerUserAndAddress: 3 },
    refreshReuseInterval: 10,
  }));
  admin = await accessTokenFor(app, "root", "rootpassword");
  secrets.add(admin);
});
afterAll(() => app.close());

const FORM = { "content-type": "application/x-www-form-urlencoded" };
const UA = "AuditTest/1.0";

async function token(fields: Record<string, string>, address = "127.0.0.1"): Promise<LightMyRequestResponse> {
  clock.advance(1);
  const response = await app.inject({
    method: "POST",
    url: "/token",
    headers: { ...FORM, "user-agent": UA },
    payload: new URLSearchParams(fields).toString(),
    remoteAddress: address,
  });
  for (const field of ["access_token", "refresh_token"]) {
    const value = response.json()[field];
    if (typeof value === "string") secrets.add(value);
  }
  return response;
}

async function loginAs(username: string, password: string) {
  secrets.add(password);
  const response = await token({ username, password });
  expect(response.statusCode).toBe(200);
  return response.json() as { access_token: string; refresh_token: string };
}

const call = (method: "GET" | "POST" | "PATCH" | "DELETE", url: string, bearer: string, payload?: object) => {
  clock.advance(1);
  return app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${bearer}`, "user-agent": UA },
    ...(payload === undefined ? {} : { payload }),
  });
};

/** Every event of the log, newest first, through the admin route. */
async function allEvents(): Promise<AuditEventJson[]> {
  const events: AuditEventJson[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: "500", ...(cursor === null ? {} : { cursor }) });
    const response = await app.inject({
      method: "GET",
      url: `/audit?${query}`,
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(response.statusCode).toBe(200);
    const page = response.json() as { events: AuditEventJson[]; next_cursor: string | null };
    events.push(...page.events);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return events;
}

/** The newest event of a type about a user. */
async function latest(type: string, username: string | null): Promise<AuditEventJson> {
  const event = (await allEvents()).find((e) => e.type === type && e.username === username);
  expect(event, `no ${type} event for ${username}`).toBeDefined();
  return event as AuditEventJson;
}

async function createUser(username: string): Promise<string> {
  const password = `${username}-password-1`;
  secrets.add(password);
  const response = await call("POST", "/users", admin, { username, email: `${username}@example.com`, password });
  expect(response.statusCode).toBe(201);
  return password;
}

describe("the audit log records each event where it happens", () => {
  it("login.succeeded with the session, client, address and user agent", async () => {
    const tokens = await loginAs("johndoe", "secret");
    const sid = JSON.parse(Buffer.from(tokens.access_token.split(".")[1] as string, "base64url").toString()).sid;
    expect(await latest("login.succeeded", "johndoe")).toMatchObject({
      actor: "self",
      ip: "127.0.0.1",
      user_agent: UA,
      session_id: sid,
      details: { client_id: null, scope: "me", amr: ["pwd"] },
    });
  });

  it("login.failed for a wrong password, and for an unknown username under the name tried with an identical reply", async () => {
    const wrong = await token({ username: "johndoe", password: "not-the-password" });
    const unknown = await token({ username: "Nobody-Here", password: "not-the-password" });
    expect(unknown.statusCode).toBe(wrong.statusCode);
    expect(unknown.json()).toEqual(wrong.json());
    const { date: _a, ...wrongHeaders } = wrong.headers;
    const { date: _b, ...unknownHeaders } = unknown.headers;
    expect(unknownHeaders).toEqual(wrongHeaders);
    expect(await latest("login.failed", "johndoe")).toMatchObject({
      actor: "self",
      details: { reason: "credentials", known: true },
    });
    expect(await latest("login.failed", "Nobody-Here")).toMatchObject({
      details: { reason: "credentials", known: false },
    });
  });

  it("login.failed with reason inactive for a disabled user's right password", async () => {
    expect((await token({ username: "alice", password: "secretalice" })).statusCode).toBe(400);
    expect(await latest("login.failed", "alice")).toMatchObject({ details: { reason: "inactive" } });
  });

  it("login.failed with reason throttled once the throttle refuses", async () => {
    const password = await createUser("throttled");
    for (let i = 0; i < 3; i++) await token({ username: "throttled", password: "wrong" }, "198.51.100.9");
    const refused = await token({ username: "throttled", password }, "198.51.100.9");
    expect(refused.statusCode).toBe(429);
    expect(await latest("login.failed", "throttled")).toMatchObject({
      ip: "198.51.100.9",
      details: { reason: "throttled" },
    });
  });

  it("token.refreshed, marked reissued for a retry, and refresh.reuse_detected after the interval", async () => {
    const first = await loginAs("johndoe", "secret");
    const refresh = () => token({ grant_type: "refresh_token", refresh_token: first.refresh_token });
    expect((await refresh()).statusCode).toBe(200);
    expect((await latest("token.refreshed", "johndoe")).details).toEqual({ client_id: null, reissued: false });
    expect((await refresh()).statusCode).toBe(200);
    expect((await latest("token.refreshed", "johndoe")).details).toEqual({ client_id: null, reissued: true });
    clock.advance(10_000);
    expect((await refresh()).statusCode).toBe(400);
    expect(await latest("refresh.reuse_detected", "johndoe")).toMatchObject({
      actor: "self",
      details: { client_id: null },
    });
  });

  it("token.revoked for a refresh token and for an access token, through /revoke", async () => {
    const tokens = await loginAs("johndoe", "secret");
    for (const [value, type] of [
      [tokens.refresh_token, "refresh_token"],
      [(await loginAs("johndoe", "secret")).access_token, "access_token"],
    ] as const) {
      clock.advance(1);
      const response = await app.inject({
        method: "POST",
        url: "/revoke",
        headers: FORM,
        payload: new URLSearchParams({ token: value }).toString(),
      });
      expect(response.statusCode).toBe(200);
      expect((await latest("token.revoked", "johndoe")).details).toEqual({ token_type: type });
    }
  });

  it("session.revoked by the user and by an admin, logout, and logout.all", async () => {
    const password = await createUser("sessions");
    const one = await loginAs("sessions", password);
    const two = await loginAs("sessions", password);
    const [, older] = (await call("GET", "/users/me/sessions", two.access_token)).json().sessions;
    expect((await call("DELETE", `/users/me/sessions/${older.id}`, two.access_token)).statusCode).toBe(204);
    expect(await latest("session.revoked", "sessions")).toMatchObject({ actor: "self", session_id: older.id });
    const three = await loginAs("sessions", password);
    const [newest] = (await call("GET", "/users/sessions/sessions", admin)).json().sessions;
    expect((await call("DELETE", `/users/sessions/sessions/${newest.id}`, admin)).statusCode).toBe(204);
    expect(await latest("session.revoked", "sessions")).toMatchObject({ actor: "admin:root", session_id: newest.id });
    expect((await call("POST", "/logout", two.access_token)).statusCode).toBe(204);
    expect(await latest("logout", "sessions")).toMatchObject({ actor: "self" });
    const four = await loginAs("sessions", password);
    expect((await call("POST", "/logout/all", four.access_token)).statusCode).toBe(204);
    expect(await latest("logout.all", "sessions")).toMatchObject({ actor: "self" });
    expect([one, three].length).toBe(2);
  });

  it("password.changed by the user and by an admin", async () => {
    const password = await createUser("changer");
    const tokens = await loginAs("changer", password);
    const next = "changer-password-2";
    secrets.add(next);
    const response = await call("POST", "/users/me/password", tokens.access_token, {
      current_password: password,
      new_password: next,
    });
    expect(response.statusCode).toBe(200);
    expect(await latest("password.changed", "changer")).toMatchObject({ actor: "self" });
    secrets.add("changer-password-3");
    await call("PATCH", "/users/changer", admin, { password: "changer-password-3" });
    expect(await latest("password.changed", "changer")).toMatchObject({ actor: "admin:root" });
  });

  it("user.created, user.updated, user.scopes_changed, user.disabled, user.enabled and user.removed by an admin", async () => {
    await createUser("lifecycle");
    expect(await latest("user.created", "lifecycle")).toMatchObject({
      actor: "admin:root",
      details: { scopes: ["me"], disabled: false },
    });
    await call("PATCH", "/users/lifecycle", admin, { email: "new@example.com", full_name: "Life Cycle" });
    expect((await latest("user.updated", "lifecycle")).details).toEqual({ fields: ["email", "full_name"] });
    await call("PATCH", "/users/lifecycle", admin, { scopes: ["me", "admin"] });
    expect((await latest("user.scopes_changed", "lifecycle")).details).toEqual({ from: ["me"], to: ["me", "admin"] });
    await call("PATCH", "/users/lifecycle", admin, { disabled: true });
    expect(await latest("user.disabled", "lifecycle")).toMatchObject({ actor: "admin:root" });
    await call("PATCH", "/users/lifecycle", admin, { disabled: false });
    expect(await latest("user.enabled", "lifecycle")).toMatchObject({ actor: "admin:root" });
    expect((await call("DELETE", "/users/lifecycle", admin)).statusCode).toBe(204);
    expect(await latest("user.removed", "lifecycle")).toMatchObject({ actor: "admin:root" });
  });

  it("user.updated by the user themself, and no event for a change that changes nothing", async () => {
    const password = await createUser("selfedit");
    const tokens = await loginAs("selfedit", password);
    await call("PATCH", "/users/me", tokens.access_token, { full_name: "Self Edit" });
    expect(await latest("user.updated", "selfedit")).toMatchObject({
      actor: "self",
      details: { fields: ["full_name"] },
    });
    const before = (await allEvents()).length;
    await call("PATCH", "/users/me", tokens.access_token, { full_name: "Self Edit" });
    expect((await allEvents()).length).toBe(before);
  });

  it("keys.rotated with the new kid", async () => {
    const kid = await gatehouse.rotateKeys(undefined, { actor: "cli" });
    expect(await latest("keys.rotated", null)).toMatchObject({ actor: "cli", details: { kid, reason: "rotation" } });
  });

  it("never puts a password, token or hash into any event", async () => {
    const events = await allEvents();
    expect(events.length).toBeGreaterThan(20);
    const hashes = await Promise.all(
      ["johndoe", "alice", "root", "changer"].map(async (name) => (await store.findUserByUsername(name))?.passwordHash),
    );
    const text = JSON.stringify(events);
    for (const value of [...secrets, ...hashes.filter((hash): hash is string => hash !== undefined)]) {
      expect(text.includes(value), `an event holds ${value.slice(0, 12)}…`).toBe(false);
    }
    // The refresh tokens' stored form is SHA-256; no event holds anything hash-shaped either.
    expect(text).not.toMatch(/\$argon2|[A-Za-z0-9_-]{43}/);
  });
});

describe("GET /audit", () => {
  it("filters by username, type and since, and pages with next_cursor", async () => {
    const response = await call("GET", "/audit?username=JOHNDOE&type=login.succeeded&limit=2", admin);
    expect(response.statusCode).toBe(200);
    const page = response.json();
    expect(page.events).toHaveLength(2);
    for (const event of page.events) expect(event).toMatchObject({ type: "login.succeeded", username: "johndoe" });
    expect(Date.parse(page.events[0].time)).toBeGreaterThanOrEqual(Date.parse(page.events[1].time));
    const next = await call(
      "GET",
      `/audit?username=johndoe&type=login.succeeded&limit=2&cursor=${page.next_cursor}`,
      admin,
    );
    expect(next.json().events[0].id).not.toBe(page.events[1].id);
    const since = new Date(clock.now() + 1000).toISOString();
    expect((await call("GET", `/audit?since=${since}`, admin)).json()).toEqual({ events: [], next_cursor: null });
  });

  it.each([
    ["an unknown type", "type=login.maybe"],
    ["a time that is not RFC 3339", "since=yesterday"],
    ["a limit over 500", "limit=501"],
    ["a cursor it did not issue", "cursor=bm90LWEtY3Vyc29y"],
    ["an unknown parameter", "color=blue"],
  ])("refuses %s with 422", async (_what, query) => {
    const response = await call("GET", `/audit?${query}`, admin);
    expect(response.statusCode).toBe(422);
    expect(response.json().detail).toBeDefined();
  });

  it("needs scope admin", async () => {
    const tokens = await loginAs("johndoe", "secret");
    expect((await call("GET", "/audit", tokens.access_token)).statusCode).toBe(403);
  });
});

describe("GET /users/me/audit", () => {
  it("lists the caller's own events only: their login history", async () => {
    const password = await createUser("historian");
    await token({ username: "historian", password: "wrong" });
    const tokens = await loginAs("historian", password);
    const response = await call("GET", "/users/me/audit", tokens.access_token);
    expect(response.statusCode).toBe(200);
    const { events } = response.json() as { events: AuditEventJson[] };
    expect(events.map((event) => event.type)).toEqual(["login.succeeded", "login.failed", "user.created"]);
    for (const event of events) expect(event.username).toBe("historian");
    const failures = await call("GET", "/users/me/audit?type=login.failed", tokens.access_token);
    expect(failures.json().events).toHaveLength(1);
    expect((await call("GET", "/users/me/audit?username=root", tokens.access_token)).statusCode).toBe(422);
  });
});
