import { afterEach, describe, expect, it } from "vitest";
import { webhookRetryDelay } from "../../../src/core/audit/webhook-deliverer.js";
import type { AuditEventJson, Gatehouse, WebhookOutcome } from "../../../src/core/index.js";
import { createTestGatehouse } from "../../support/fixtures.js";
import { eventually, startWebhookReceiver, type WebhookReceiver } from "../../support/webhook-receiver.js";

const SECRET = "test-webhook-secret-0001";
const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const thing of opened.splice(0).reverse()) await thing.close();
});

async function setUp(overrides: { timeoutMs?: number } = {}) {
  const receiver = await startWebhookReceiver(SECRET);
  opened.push(receiver);
  const { gatehouse } = await createTestGatehouse({
    throttle: false,
    webhook: {
      url: receiver.url,
      secret: SECRET,
      timeoutMs: overrides.timeoutMs ?? 300,
      retryBaseMs: 40,
      retryMaxMs: 200,
      pollIntervalMs: 20,
    },
  });
  opened.push(gatehouse);
  const outcomes: WebhookOutcome[] = [];
  gatehouse.webhooks?.onDelivery((outcome) => outcomes.push(outcome));
  return { receiver, gatehouse, outcomes };
}

const context = { clientAddress: "203.0.113.5", userAgent: "DelivererTest/1.0" };
async function makeEvents(gatehouse: Gatehouse) {
  await gatehouse.handleTokenRequest({ username: "johndoe", password: "secret" }, context);
  await gatehouse.handleTokenRequest({ username: "johndoe", password: "wrong" }, context).catch(() => undefined);
  await gatehouse.handleTokenRequest({ username: "nobody", password: "wrong" }, context).catch(() => undefined);
  await gatehouse.users.update("johndoe", { fullName: "John D." });
  await gatehouse.handleTokenRequest({ username: "root", password: "rootpassword" }, context);
}

/** Every event of the log, oldest first. */
async function recorded(gatehouse: Gatehouse): Promise<AuditEventJson[]> {
  const { events } = await gatehouse.audit.list({ limit: 500, cursor: null });
  return events.reverse().map((event) => JSON.parse(JSON.stringify({ id: event.id, username: event.username })));
}

/** Checks that the receiver acknowledged every recorded event exactly once, each user's in order. */
async function expectEveryEventOnce(gatehouse: Gatehouse, receiver: WebhookReceiver) {
  const events = await recorded(gatehouse);
  const delivered = receiver.delivered();
  expect(delivered.map((d) => d.id).sort()).toEqual(events.map((e) => e.id).sort());
  expect(new Set(delivered.map((d) => d.id)).size).toBe(delivered.length);
  for (const delivery of receiver.requests) expect(delivery.signatureValid).toBe(true);
  for (const username of new Set(events.map((e) => e.username))) {
    const expectedOrder = events.filter((e) => e.username === username).map((e) => e.id);
    expect(delivered.filter((d) => d.username === username).map((d) => d.id)).toEqual(expectedOrder);
  }
}

describe("the webhook deliverer", () => {
  it("POSTs every audit event once, as its JSON, signed, each user's in order", async () => {
    const { receiver, gatehouse, outcomes } = await setUp();
    await makeEvents(gatehouse);
    const total = (await recorded(gatehouse)).length;
    expect(await eventually(() => receiver.delivered().length >= total)).toBe(true);
    await expectEveryEventOnce(gatehouse, receiver);
    const [first] = receiver.delivered();
    const { events } = await gatehouse.audit.list({ limit: 500, cursor: null });
    const original = events.find((event) => event.id === first?.id);
    expect(JSON.parse(first?.body ?? "{}")).toMatchObject({
      id: original?.id,
      type: original?.type,
      actor: original?.actor,
    });
    expect(outcomes.every((outcome) => outcome === "delivered")).toBe(true);
    expect(await eventually(async () => (await gatehouse.webhooks?.stats())?.depth === 0)).toBe(true);
  });

  it("retries through a receiver that answers 500, then is down, then hangs, and delivers every event", async () => {
    const { receiver, gatehouse, outcomes } = await setUp();
    receiver.mode = "fail";
    await makeEvents(gatehouse);
    expect(await eventually(() => outcomes.filter((o) => o === "rejected").length >= 3)).toBe(true);
    await receiver.down();
    expect(await eventually(() => outcomes.filter((o) => o === "unreachable").length >= 3)).toBe(true);
    receiver.mode = "hang";
    await receiver.up();
    expect(await eventually(() => outcomes.filter((o) => o === "timeout").length >= 2)).toBe(true);
    expect((await gatehouse.webhooks?.stats())?.depth).toBeGreaterThan(0);
    receiver.mode = "ok";
    const total = (await recorded(gatehouse)).length;
    expect(await eventually(() => receiver.delivered().length >= total, 60_000)).toBe(true);
    await expectEveryEventOnce(gatehouse, receiver);
  });

  it("never holds up a login while the receiver hangs", async () => {
    const { receiver, gatehouse } = await setUp({ timeoutMs: 60_000 });
    receiver.mode = "hang";
    await gatehouse.handleTokenRequest({ username: "johndoe", password: "secret" }, context);
    expect(await eventually(() => receiver.requests.length >= 1)).toBe(true);
    for (let i = 0; i < 5; i++) {
      const response = await gatehouse.handleTokenRequest({ username: "johndoe", password: "secret" }, context);
      expect(response.access_token).toBeTruthy();
    }
    // Every event the receiver did not acknowledge before it began to hang still waits.
    const waiting = (await recorded(gatehouse)).length - receiver.delivered().length;
    expect(waiting).toBeGreaterThanOrEqual(6);
    expect((await gatehouse.webhooks?.stats())?.depth).toBe(waiting);
  });

  it("stops at close() without waiting for a receiver that hangs", async () => {
    const { receiver, gatehouse } = await setUp({ timeoutMs: 60_000 });
    receiver.mode = "hang";
    await gatehouse.handleTokenRequest({ username: "johndoe", password: "secret" }, context);
    expect(await eventually(() => receiver.requests.length >= 1)).toBe(true);
    const started = Date.now();
    await gatehouse.webhooks?.stop();
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe("webhookRetryDelay", () => {
  it.each([
    [1, 500, 1000],
    [2, 1000, 2000],
    [3, 2000, 4000],
    [20, 300_000, 600_000],
  ])("waits, before retry %i, between %i and %i ms", (attempt, low, high) => {
    expect(webhookRetryDelay(attempt, 1000, 600_000, () => 0)).toBe(low);
    expect(webhookRetryDelay(attempt, 1000, 600_000, () => 0.999_999)).toBeLessThanOrEqual(high);
    expect(webhookRetryDelay(attempt, 1000, 600_000, () => 0.999_999)).toBeGreaterThan(high * 0.99);
  });
});
