import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { Gatehouse, GatehouseOptions } from "../../src/core/index.js";
import { accessTokenFor, createTestServer } from "../support/fixtures.js";

const Profile = z
  .object({
    avatar_url: z.url().optional(),
    age: z.number().int().min(0).optional(),
    locale: z.string().max(35).optional(),
  })
  .strict();

const running: Array<{ app: FastifyInstance; gatehouse: Gatehouse }> = [];

async function serve(options: Partial<GatehouseOptions> = { profile: Profile }) {
  const server = await createTestServer(options);
  running.push(server);
  const me = await accessTokenFor(server.app, "johndoe", "secret");
  const admin = await accessTokenFor(server.app, "root", "rootpassword", "me admin");
  const call = async (method: "GET" | "POST" | "PATCH", url: string, token: string, payload?: unknown) => {
    const response = await server.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
    return { status: response.statusCode, body: response.json() as Record<string, unknown> };
  };
  return { ...server, me, admin, call };
}

afterEach(async () => {
  for (const { app } of running.splice(0)) await app.close();
});

describe("profile fields", () => {
  it("are changed by PATCH /users/me and returned beside the built-in fields by GET /users/me", async () => {
    const { call, me } = await serve();
    const patched = await call("PATCH", "/users/me", me, { avatar_url: "https://example.com/j.png", age: 42 });
    expect(patched).toEqual({
      status: 200,
      body: {
        username: "johndoe",
        email: "johndoe@example.com",
        email_verified: false,
        full_name: "John Doe",
        disabled: false,
        scopes: ["me"],
        mfa_enabled: false,
        avatar_url: "https://example.com/j.png",
        age: 42,
      },
    });
    expect((await call("GET", "/users/me", me)).body).toMatchObject({
      avatar_url: "https://example.com/j.png",
      age: 42,
    });
    // A merge patch: what is not named stays, null removes.
    await call("PATCH", "/users/me", me, { locale: "de-CH", age: null });
    expect((await call("GET", "/users/me", me)).body).toMatchObject({
      avatar_url: "https://example.com/j.png",
      locale: "de-CH",
    });
    expect((await call("GET", "/users/me", me)).body).not.toHaveProperty("age");
  });

  it("answers invalid values with 422 and a FastAPI-style list naming each field, changing nothing", async () => {
    const { call, me } = await serve();
    const response = await call("PATCH", "/users/me", me, { avatar_url: "not a url", age: -1, full_name: "X" });
    expect(response.status).toBe(422);
    const detail = response.body.detail as Array<{ loc: unknown[]; msg: string; type: string }>;
    expect(detail.map((issue) => issue.loc).sort()).toEqual([
      ["body", "age"],
      ["body", "avatar_url"],
    ]);
    expect(detail.every((issue) => typeof issue.msg === "string" && issue.type === "value_error")).toBe(true);
    expect((await call("GET", "/users/me", me)).body).toMatchObject({ full_name: "John Doe" });
  });

  it("refuses unknown fields (a strict schema) and built-in fields a route does not take", async () => {
    const { call, me } = await serve();
    expect((await call("PATCH", "/users/me", me, { shoe_size: 44 })).status).toBe(422);
    const escalation = await call("PATCH", "/users/me", me, { scopes: ["me", "admin"] });
    expect(escalation.status).toBe(422);
    expect((await call("GET", "/users/me", me)).body.scopes).toEqual(["me"]);
  });

  it("refuses a profile over 8 KiB with 422", async () => {
    const { call, me } = await serve({ profile: z.object({ bio: z.string().optional() }) });
    const response = await call("PATCH", "/users/me", me, { bio: "x".repeat(9000) });
    expect(response.status).toBe(422);
    expect(response.body.detail).toEqual([
      { loc: ["body"], msg: "the profile must be at most 8192 bytes of JSON", type: "value_error" },
    ]);
  });

  it("are accepted by POST /users and PATCH /users/{username} and shown by the admin API", async () => {
    const { call, admin } = await serve();
    const created = await call("POST", "/users", admin, {
      username: "bob",
      email: "bob@example.com",
      password: "bobpassword",
      locale: "fr",
    });
    expect(created).toMatchObject({ status: 201, body: { username: "bob", locale: "fr" } });
    expect(
      (
        await call("POST", "/users", admin, {
          username: "eve",
          email: "e@example.com",
          password: "evepassword",
          age: "x",
        })
      ).status,
    ).toBe(422);
    expect((await call("GET", "/users/eve", admin)).status).toBe(404);
    expect((await call("PATCH", "/users/bob", admin, { age: 30 })).body).toMatchObject({ locale: "fr", age: 30 });
    expect((await call("GET", "/users/bob", admin)).body).toMatchObject({ locale: "fr", age: 30 });
    const page = await call("GET", "/users?limit=500", admin);
    expect((page.body.users as Array<Record<string, unknown>>).find((user) => user.username === "bob")).toMatchObject({
      locale: "fr",
      age: 30,
    });
  });

  it("are shown in the OpenAPI document from the schema's own JSON Schema", async () => {
    const { app } = await serve();
    const document = (await app.inject({ method: "GET", url: "/openapi.json" })).json() as {
      paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
    };
    const json = (holder: unknown) =>
      (holder as { content: Record<string, { schema: { properties: Record<string, unknown> } }> }).content[
        "application/json"
      ]?.schema;
    expect(json(document.paths["/users/me"]?.get?.responses["200"])?.properties).toMatchObject({
      username: { type: "string" },
      avatar_url: { type: "string", format: "uri" },
      age: { type: "integer", minimum: 0 },
    });
    expect(json(document.paths["/users/me"]?.patch?.requestBody)?.properties).toHaveProperty("locale");
    expect(json(document.paths["/users"]?.post?.requestBody)?.properties).toHaveProperty("avatar_url");
  });

  it("refuses, when the Gatehouse is created, a schema whose field collides with a built-in field", async () => {
    await expect(createTestServer({ profile: z.object({ email: z.string() }) })).rejects.toThrow(
      "the profile field email collides with the built-in user field of that name",
    );
  });

  it("without a profile schema, PATCH /users/me still refuses fields it does not know", async () => {
    const { call, me } = await serve({});
    expect((await call("PATCH", "/users/me", me, { avatar_url: "https://example.com/a.png" })).status).toBe(422);
    expect((await call("GET", "/users/me", me)).body).not.toHaveProperty("avatar_url");
  });

  it("are taken at sign-up by POST /register, validated like any other write", async () => {
    const { app, call, admin } = await serve({ profile: Profile, accounts: { registration: "open" } });
    const register = (payload: Record<string, unknown>) =>
      app.inject({ method: "POST", url: "/register", payload: { password: "a long password", ...payload } });
    const created = await register({ username: "newbie", email: "newbie@example.com", locale: "fr-CH", age: 30 });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ username: "newbie", scopes: ["me"], locale: "fr-CH", age: 30 });
    const refused = await register({ username: "other", email: "other@example.com", age: -1 });
    expect(refused.statusCode).toBe(422);
    expect((refused.json() as { detail: Array<{ loc: unknown[] }> }).detail[0]?.loc).toEqual(["body", "age"]);
    // A built-in field sign-up does not take stays refused, profile or not.
    expect((await register({ username: "sneaky", email: "s@example.com", scopes: ["admin"] })).statusCode).toBe(422);
    // Nothing was created by the refused sign-ups.
    expect((await call("GET", "/users/other", admin)).status).toBe(404);
  });

  it("gives registration one function to validate a profile with: users.validateProfile", async () => {
    const { gatehouse } = await serve();
    await expect(gatehouse.users.validateProfile({ age: 3 })).resolves.toEqual({ age: 3 });
    await expect(gatehouse.users.validateProfile({ age: -3 })).rejects.toMatchObject({
      code: "validation_failed",
      field: "age",
    });
  });
});
