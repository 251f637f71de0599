import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../../src/server/build-server.js";
import { ConfigError, loadConfig, type MetricsAccess } from "../../src/server/config.js";
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

// Review finding 15: /metrics was public, with no setting to restrict it; GATEHOUSE_METRICS
// (public, admin or off) now says who may read it.
describe("GATEHOUSE_METRICS (regression: /metrics was public with no way to restrict it)", () => {
  async function serverWith(metrics: MetricsAccess | undefined) {
    const { gatehouse } = await createTestGatehouse();
    const server = await buildServer({ gatehouse, logLevel: "error", ...(metrics === undefined ? {} : { metrics }) });
    return {
      server,
      admin: await accessTokenFor(server, "root", "rootpassword"),
      user: await accessTokenFor(server, "johndoe", "secret"),
      read: (token?: string) =>
        server.inject({
          method: "GET",
          url: "/metrics",
          ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }),
        }),
    };
  }

  it("reads GATEHOUSE_METRICS (public by default, a flag winning) and refuses other values", () => {
    expect(loadConfig({}).metrics).toBe("public");
    expect(loadConfig({ GATEHOUSE_METRICS: "admin" }).metrics).toBe("admin");
    expect(loadConfig({ GATEHOUSE_METRICS: "OFF" }).metrics).toBe("off");
    expect(loadConfig({ GATEHOUSE_METRICS: "admin" }, { metrics: "public" }).metrics).toBe("public");
    expect(() => loadConfig({ GATEHOUSE_METRICS: "private" })).toThrow(
      new ConfigError("GATEHOUSE_METRICS must be one of public, admin, off"),
    );
  });

  it.each([undefined, "public"] as const)("with %s serves /metrics to anyone", async (metrics) => {
    const { server, read } = await serverWith(metrics);
    try {
      const response = await read();
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain("gatehouse_logins_total");
    } finally {
      await server.close();
    }
  });

  it("with admin answers 401 without a token, 403 to a token without admin, 200 to an admin", async () => {
    const { server, admin, user, read } = await serverWith("admin");
    try {
      const anonymous = await read();
      expect({ status: anonymous.statusCode, body: anonymous.json() }).toEqual({
        status: 401,
        body: { detail: "Not authenticated" },
      });
      expect(anonymous.headers["www-authenticate"]).toBe("Bearer");
      const forged = await read("not-a-token");
      expect(forged.statusCode).toBe(401);
      const notAdmin = await read(user);
      expect({ status: notAdmin.statusCode, body: notAdmin.json() }).toEqual({
        status: 403,
        body: { detail: "Not enough permissions" },
      });
      expect(notAdmin.headers["www-authenticate"]).toBe('Bearer error="insufficient_scope", scope="admin"');
      const allowed = await read(admin);
      expect(allowed.statusCode).toBe(200);
      expect(allowed.body).toMatch(/gatehouse_logins_total\{grant="password",outcome="success"\} 2/);
    } finally {
      await server.close();
    }
  });

  it("with off answers 404 to everyone, an admin included", async () => {
    const { server, admin, read } = await serverWith("off");
    try {
      for (const token of [undefined, admin]) {
        const response = await read(token);
        expect({ status: response.statusCode, body: response.json() }).toEqual({
          status: 404,
          body: { detail: "Not Found" },
        });
      }
    } finally {
      await server.close();
    }
  });
});

describe("GET /metrics with webhooks", () => {
  it("counts deliveries by outcome and shows the outbox depth and the oldest undelivered age", async () => {
    const { startWebhookReceiver, eventually } = await import("../support/webhook-receiver.js");
    const receiver = await startWebhookReceiver("metrics-webhook-secret", "fail");
    const { app: hooked, gatehouse } = await createTestServer({
      webhook: {
        url: receiver.url,
        secret: "metrics-webhook-secret",
        retryBaseMs: 20,
        retryMaxMs: 50,
        pollIntervalMs: 10,
      },
    });
    try {
      const scrape = async () => (await hooked.inject({ method: "GET", url: "/metrics" })).body;
      expect(
        await eventually(async () =>
          /gatehouse_webhook_deliveries_total\{outcome="rejected"\} [1-9]/.test(await scrape()),
        ),
      ).toBe(true);
      expect(await scrape()).toMatch(/gatehouse_webhook_outbox_depth [1-9]/);
      expect(await scrape()).toMatch(/gatehouse_webhook_oldest_undelivered_seconds \d/);
      receiver.mode = "ok";
      expect(await eventually(async () => /gatehouse_webhook_outbox_depth 0\b/.test(await scrape()))).toBe(true);
      expect(await scrape()).toMatch(/gatehouse_webhook_deliveries_total\{outcome="delivered"\} [1-9]/);
      expect(await scrape()).toMatch(/gatehouse_webhook_oldest_undelivered_seconds 0\b/);
      expect((await gatehouse.webhooks?.stats())?.depth).toBe(0);
    } finally {
      await hooked.close();
      await gatehouse.close();
      await receiver.close();
    }
  });
});
