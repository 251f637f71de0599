import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../../src/server/build-server.js";
import { accessTokenFor, createTestGatehouse, createTestServer, login } from "../support/fixtures.js";

let app: FastifyInstance;

beforeAll(async () => {
  ({ app } = await createTestServer());
});
afterAll(() => app.close());

describe("GET /metrics", () => {
  it("counts logins by outcome, token verifications, and request latencies", async () => {
    const token = await accessTokenFor(app, "johndoe", "secret");
    await login(app, "johndoe", "wrong-password");
    await app.inject({ method: "GET", url: "/users/me", headers: { authorization: `Bearer ${token}` } });
    await app.inject({ method: "GET", url: "/users/me", headers: { authorization: "Bearer nonsense" } });
    const response = await app.inject({ method: "GET", url: "/metrics" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/plain/);
    const text = response.body;
    expect(text).toMatch(/gatehouse_logins_total\{grant="password",outcome="success"\} 1/);
    expect(text).toMatch(/gatehouse_logins_total\{grant="password",outcome="invalid_grant"\} 1/);
    expect(text).toMatch(/gatehouse_token_verifications_total\{outcome="valid"\} 1/);
    expect(text).toMatch(/gatehouse_token_verifications_total\{outcome="invalid_token"\} 1/);
    expect(text).toMatch(
      /gatehouse_http_request_duration_seconds_count\{route="\/users\/me",method="GET",status="2xx"\} 1/,
    );
    expect(text).toMatch(/gatehouse_password_hash_jobs\{state="queued"\} 0/);
  });

  it("folds unknown grant types into one label so clients cannot grow the label set", async () => {
    await app.inject({
      method: "POST",
      url: "/token",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "grant_type=made-up-1&username=a&password=b",
    });
    const text = (await app.inject({ method: "GET", url: "/metrics" })).body;
    expect(text).not.toContain("made-up-1");
    expect(text).toMatch(/gatehouse_logins_total\{grant="other",outcome="unsupported_grant_type"\} 1/);
  });

  it("never exposes a token or password", async () => {
    const text = (await app.inject({ method: "GET", url: "/metrics" })).body;
    expect(text).not.toMatch(/secret|eyJ/);
  });
});

// Review finding 7: Swagger UI's routes are registered before the plugin decorates the request,
// so there `authOutcome` and `grantOutcome` were undefined: the hook counted outcome="undefined"
// and threw, which the request log reported at error level with a stack trace.
describe("GET /docs and the metrics hook (regression: /docs broke the metrics hook)", () => {
  it.each(["info", "warn"])(
    "counts no outcome=undefined and logs no error after GET /docs at level %s",
    async (logLevel) => {
      const lines: string[] = [];
      const { gatehouse } = await createTestGatehouse();
      const docsApp = await buildServer({
        gatehouse,
        logLevel,
        logStream: { write: (line: string) => lines.push(line) },
      });
      try {
        expect((await docsApp.inject({ method: "GET", url: "/docs" })).statusCode).toBe(200);
        expect((await docsApp.inject({ method: "GET", url: "/docs/static/index.html" })).statusCode).toBeLessThan(400);
        expect((await docsApp.inject({ method: "GET", url: "/docs/json" })).statusCode).toBe(200);
        const text = (await docsApp.inject({ method: "GET", url: "/metrics" })).body;
        expect(text).not.toContain('outcome="undefined"');
        expect(text).toMatch(
          /gatehouse_http_request_duration_seconds_count\{route="\/docs",method="GET",status="2xx"\} 1/,
        );
        const errors = lines.map((line) => JSON.parse(line) as { level: number }).filter((entry) => entry.level >= 50);
        expect(errors).toEqual([]);
      } finally {
        await docsApp.close();
      }
    },
  );
});
