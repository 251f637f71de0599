import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { Client } from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describePostgres } from "../support/postgres.js";
import { eventually, startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";
import { buildIfStale, type ServerProcess, sendRequest, startServerProcess } from "./server-process.js";

// Two `gatehouse serve` processes on one PostgreSQL database, both configured with one webhook
// receiver: every event is delivered, by exactly one of them, each user's in order.

const root = resolve(import.meta.dirname, "../..");
const SECRET = "scale-out-webhook-secret";
const ADMIN_PASSWORD = "admin-password-1";
const FORM = { "content-type": "application/x-www-form-urlencoded" };

describePostgres("two gatehouse serve processes delivering one outbox", (database) => {
  let receiver: WebhookReceiver;
  const servers: ServerProcess[] = [];
  let enabledAt = 0;

  const query = async (text: string, values: unknown[] = []) => {
    const client = new Client({ connectionString: database().url });
    await client.connect();
    try {
      return (await client.query(text, values)).rows as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    buildIfStale();
    receiver = await startWebhookReceiver(SECRET);
    execFileSync(
      process.execPath,
      [
        join(root, "bin/gatehouse.js"),
        "users",
        "add",
        "admin",
        "--email",
        "a@example.com",
        "--scopes",
        "me admin",
        "--password-stdin",
      ],
      { input: `${ADMIN_PASSWORD}\n`, env: { ...process.env, GATEHOUSE_DATABASE_URL: database().url } },
    );
    enabledAt = Date.now();
    const env = {
      GATEHOUSE_DATABASE_URL: database().url,
      GATEHOUSE_LOG_LEVEL: "error",
      GATEHOUSE_WEBHOOK_URL: receiver.url,
      GATEHOUSE_WEBHOOK_SECRET: SECRET,
      // Behind a load balancer every instance names the same public URL as its issuer.
      GATEHOUSE_ISSUER: "http://gatehouse.test",
    };
    servers.push(...(await Promise.all([startServerProcess([], env), startServerProcess([], env)])));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await receiver?.close();
  });

  it("delivers every event exactly once, whichever instance recorded it", async () => {
    const login = (server: ServerProcess, username: string, password: string) =>
      sendRequest(`${server.url}/token`, {
        method: "POST",
        headers: FORM,
        body: new URLSearchParams({ username, password }).toString(),
      });
    const admin = JSON.parse((await login(servers[0]!, "admin", ADMIN_PASSWORD)).body).access_token as string;
    const work: Promise<unknown>[] = [];
    for (let n = 0; n < 12; n++) {
      const username = `user${n}`;
      const password = `password-of-${username}`;
      const server = servers[n % 2]!;
      work.push(
        (async () => {
          const created = await sendRequest(`${server.url}/users`, {
            method: "POST",
            headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
            body: JSON.stringify({ username, email: `${username}@example.com`, password }),
          });
          expect(created.status).toBe(201);
          for (const other of servers) {
            expect((await login(other, username, password)).status).toBe(200);
            expect((await login(other, username, "wrong-password")).status).toBe(400);
          }
        })(),
      );
    }
    await Promise.all(work);
    const recorded = (await query("SELECT id, username FROM gatehouse.audit_events WHERE time >= $1 ORDER BY seq", [
      enabledAt,
    ])) as Array<{
      id: string;
      username: string | null;
    }>;
    expect(recorded.length).toBeGreaterThanOrEqual(12 * 5);
    const arrived = () => new Set(receiver.delivered().map((delivery) => delivery.id));
    expect(await eventually(() => recorded.every((event) => arrived().has(event.id)), 60_000)).toBe(true);
    expect(
      await eventually(
        async () => (await query("SELECT count(*)::int AS n FROM gatehouse.webhook_outbox"))[0]?.n === 0,
      ),
    ).toBe(true);

    const delivered = receiver.delivered();
    const ids = delivered.map((delivery) => delivery.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => recorded.some((event) => event.id === id)).length).toBe(recorded.length);
    for (const delivery of receiver.requests) expect(delivery.signatureValid).toBe(true);
    for (let n = 0; n < 12; n++) {
      const username = `user${n}`;
      const expected = recorded.filter((event) => event.username === username).map((event) => event.id);
      expect(delivered.filter((delivery) => delivery.username === username).map((delivery) => delivery.id)).toEqual(
        expected,
      );
    }
  }, 180_000);
});
