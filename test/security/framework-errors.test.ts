import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessTokenFor, createTestServer } from "../support/fixtures.js";

// Found by fuzz-json-routes: Fastify answered these before routing with its own body, which
// has no `detail` and quotes the path back.
describe("errors raised before routing", () => {
  let app: FastifyInstance;
  let admin: string;
  beforeAll(async () => {
    ({ app } = await createTestServer());
    admin = await accessTokenFor(app, "root", "rootpassword", "me admin");
  });
  afterAll(async () => {
    await app.close();
  });

  it.each([
    ["a lone percent sign", "/users/%", 400, "Malformed request"],
    ["an invalid percent escape", "/users/%zz", 400, "Malformed request"],
    ["a username parameter over 256 characters", `/users/${"a".repeat(300)}`, 414, "A path parameter is too long"],
  ])("answers a path with %s in the contract's shape, without echoing it", async (_name, url, status, detail) => {
    const response = await app.inject({ method: "GET", url, headers: { authorization: `Bearer ${admin}` } });
    expect({ status: response.statusCode, body: response.json() }).toEqual({ status, body: { detail } });
  });
});
