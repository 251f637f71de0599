import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redactRequestUrl } from "../../src/http/fastify/request-log.js";
import { buildServer } from "../../src/server/build-server.js";
import { accessTokenFor, createTestGatehouse } from "../support/fixtures.js";

// Review finding 6: at GATEHOUSE_LOG_LEVEL=info the request log quoted the whole URL, so a
// client that put credentials into the query wrote them into the log.

const PASSWORD = "query-string-password-7c1e";
let app: FastifyInstance;
let lines: string[];
let token: string;

beforeAll(async () => {
  lines = [];
  const { gatehouse } = await createTestGatehouse({ throttle: false });
  app = await buildServer({ gatehouse, logLevel: "info", logStream: { write: (line: string) => lines.push(line) } });
  token = await accessTokenFor(app, "johndoe", "secret");
});
afterAll(() => app.close());

const logged = () => lines.join("");
const entries = () => lines.map((line) => JSON.parse(line) as { level: number; req?: { url: string } });

describe("request logs (regression: credentials in the URL were logged)", () => {
  it("logs POST /token?password=… without the password", async () => {
    await app.inject({
      method: "POST",
      url: `/token?username=johndoe&password=${PASSWORD}`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "",
    });
    expect(logged()).not.toContain(PASSWORD);
    expect(entries().map((entry) => entry.req?.url)).toContain("/token?[redacted]");
  });

  it("logs GET /users/me?access_token=… without the token", async () => {
    await app.inject({ method: "GET", url: `/users/me?access_token=${token}` });
    expect(logged()).not.toContain(token);
    expect(logged()).not.toContain(token.split(".")[2]);
    expect(entries().map((entry) => entry.req?.url)).toContain("/users/me?[redacted]");
  });

  it("logs an unmatched route's query redacted too", async () => {
    await app.inject({ method: "GET", url: `/no-such-route?password=${PASSWORD}` });
    expect(logged()).not.toContain(PASSWORD);
  });

  it("still logs each request's method and path at info", async () => {
    await app.inject({ method: "GET", url: "/healthz" });
    expect(entries()).toContainEqual(
      expect.objectContaining({ level: 30, req: expect.objectContaining({ url: "/healthz", method: "GET" }) }),
    );
  });
});

describe("redactRequestUrl", () => {
  it.each([
    ["/token", "/token"],
    ["/token?password=x", "/token?[redacted]"],
    ["/token?", "/token?[redacted]"],
    ["/users/me#access_token=x", "/users/me?[redacted]"],
    ["/a?b#c", "/a?[redacted]"],
  ])("turns %s into %s", (url, expected) => {
    expect(redactRequestUrl(url)).toBe(expected);
  });
});
