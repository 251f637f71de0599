import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Gatehouse } from "../../../src/core/index.js";
import {
  type GatehousePluginOptions,
  type GatehouseRouteGroups,
  gatehousePlugin,
} from "../../../src/http/fastify/index.js";
import { registerOAuthRoutes } from "../../../src/http/fastify/oauth-routes.js";
import { accessTokenFor, createTestGatehouse } from "../../support/fixtures.js";

let gatehouse: Gatehouse;
let host: FastifyInstance | undefined;

beforeAll(async () => {
  ({ gatehouse } = await createTestGatehouse());
});
afterEach(async () => {
  await host?.close();
  host = undefined;
});

/** A host app of its own with the plugin in it. */
async function hostWith(options: Omit<GatehousePluginOptions, "gatehouse"> = {}): Promise<FastifyInstance> {
  host = Fastify();
  await host.register(gatehousePlugin, { gatehouse, ...options });
  host.get("/items", { onRequest: host.gatehouse.requireActiveUser(["me"]) }, async (request) => ({
    owner: request.user?.username,
  }));
  return host;
}

/**
 * Routes of each group (any status but 404 means the route is served). `/users/me` is left
 * out: with the admin API on, it would also match `/users/{username}`.
 */
const GROUP_ROUTES: Record<keyof GatehouseRouteGroups, Array<{ method: "GET" | "POST"; url: string }>> = {
  token: [
    { method: "POST", url: "/token" },
    { method: "POST", url: "/revoke" },
    { method: "POST", url: "/introspect" },
    { method: "GET", url: "/.well-known/jwks.json" },
    { method: "GET", url: "/.well-known/oauth-authorization-server" },
  ],
  self: [
    { method: "GET", url: "/user/me" },
    { method: "POST", url: "/users/me/password" },
    { method: "POST", url: "/logout" },
    { method: "POST", url: "/logout/all" },
  ],
  admin: [
    { method: "GET", url: "/users" },
    { method: "POST", url: "/users" },
    { method: "GET", url: "/users/johndoe" },
  ],
};

async function servedGroups(app: FastifyInstance): Promise<string[]> {
  const served: string[] = [];
  for (const [group, routes] of Object.entries(GROUP_ROUTES)) {
    const statuses = await Promise.all(routes.map(async (route) => (await app.inject(route)).statusCode));
    const found = statuses.filter((status) => status !== 404).length;
    if (found === routes.length) served.push(group);
    else expect(found, `${group} is served in part: ${statuses.join(", ")}`).toBe(0);
  }
  return served;
}

describe("gatehousePlugin route groups", () => {
  it("serves the token endpoints and self-service but not the admin API by default", async () => {
    expect(await servedGroups(await hostWith())).toEqual(["token", "self"]);
  });

  it.each<[GatehouseRouteGroups, string[]]>([
    [{ admin: true }, ["token", "self", "admin"]],
    [{ self: false }, ["token"]],
    [{ token: false }, ["self"]],
    [{ token: false, self: false, admin: true }, ["admin"]],
    [{ token: false, self: false }, []],
  ])("serves exactly the groups asked for with routes %j", async (routes, groups) => {
    expect(await servedGroups(await hostWith({ routes }))).toEqual(groups);
  });

  it("still protects the host's own routes with no route group on", async () => {
    const app = await hostWith({ routes: { token: false, self: false } });
    const token = (
      await gatehouse.handleTokenRequest({ username: "johndoe", password: "secret" }, { clientAddress: "::1" })
    ).access_token;
    const response = await app.inject({ method: "GET", url: "/items", headers: { authorization: `Bearer ${token}` } });
    expect({ status: response.statusCode, body: response.json() }).toEqual({ status: 200, body: { owner: "johndoe" } });
    expect((await app.inject({ method: "GET", url: "/items" })).statusCode).toBe(401);
  });

  it("lets an admin token use the admin API once it is turned on", async () => {
    const app = await hostWith({ routes: { admin: true } });
    const token = await accessTokenFor(app, "root", "rootpassword");
    const response = await app.inject({ method: "GET", url: "/users", headers: { authorization: `Bearer ${token}` } });
    expect(response.statusCode).toBe(200);
    expect((response.json() as { users: unknown[] }).users.length).toBeGreaterThan(0);
  });
});

describe("gatehousePlugin body parsing in a host app", () => {
  /** A host whose own text/plain and form parsers mark what they parsed. */
  async function hostWithParsers(register: (app: FastifyInstance) => Promise<void>): Promise<FastifyInstance> {
    host = Fastify();
    host.addContentTypeParser("text/plain", { parseAs: "string" }, (_request, body, done) => {
      done(null, { host: "text", body });
    });
    host.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_request, body, done) => {
      done(null, { host: "form", body });
    });
    await register(host);
    host.post("/echo", async (request) => request.body);
    return host;
  }

  const text = { method: "POST", url: "/echo", headers: { "content-type": "text/plain" }, payload: "hello" } as const;
  const form = {
    method: "POST",
    url: "/echo",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: "a=1",
  } as const;

  it("leaves the host's parsers in place, and logs in with its own", async () => {
    const app = await hostWithParsers(async (app) => {
      await app.register(gatehousePlugin, { gatehouse });
    });
    expect((await app.inject(text)).json()).toEqual({ host: "text", body: "hello" });
    expect((await app.inject(form)).json()).toEqual({ host: "form", body: "a=1" });
    expect((await app.inject({ ...form, url: "/token", payload: "username=johndoe&password=secret" })).statusCode).toBe(
      200,
    );
    const json = {
      method: "POST",
      url: "/echo",
      headers: { "content-type": "application/json" },
      payload: "{}",
    } as const;
    expect((await app.inject(json)).json()).toEqual({});
  });

  it("leaves them in place when registerOAuthRoutes is called on the host app itself", async () => {
    const app = await hostWithParsers(async (app) => {
      await app.register(gatehousePlugin, { gatehouse, routes: { token: false } });
      await registerOAuthRoutes(app, { gatehouse, hooks: app.gatehouse, tokenPath: "/login" });
    });
    expect((await app.inject(text)).json()).toEqual({ host: "text", body: "hello" });
    expect((await app.inject(form)).json()).toEqual({ host: "form", body: "a=1" });
    expect((await app.inject({ ...form, url: "/login", payload: "username=johndoe&password=secret" })).statusCode).toBe(
      200,
    );
  });
});
