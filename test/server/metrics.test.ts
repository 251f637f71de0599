import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessTokenFor, createTestServer, login } from "../support/fixtures.js";

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
