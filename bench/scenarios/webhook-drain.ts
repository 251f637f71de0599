import { copyFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Database from "better-sqlite3";
import type { ScenarioContext } from "../context.js";
import { migrateDatabase, removeDatabase } from "../database.js";
import { startGatehouse } from "../gatehouse.js";
import { compareRow, plainSide, type ResultRow } from "../results.js";
import { alternate } from "../rounds.js";

const SECRET = "bench-webhook-secret-0001";
const CONCURRENCY = 8;

/**
 * Scenario 8: how fast a server drains a webhook outbox of queued events (about 98 users, so
 * deliveries run in parallel across users and in order within each) to a local receiver that
 * answers 204 at once, against a plain client POSTing the same bodies with the same
 * concurrency: the cost of claiming, signing and completing each delivery.
 */
export async function runWebhookDrain(ctx: ScenarioContext): Promise<ResultRow[]> {
  const { settings } = ctx;
  const events = settings.mode === "quick" ? 3_000 : 30_000;
  const receiver = await startReceiver();
  try {
    const runs = await alternate(
      settings.rounds,
      () => postDirectly(receiver.url, events),
      (round) => drainOnce(ctx, receiver, events, round),
    );
    const subject = plainSide(
      `a server draining ${events.toLocaleString("en")} queued events`,
      "events/s",
      runs.subject,
    );
    const baseline = plainSide(`a plain client POSTing them, ${CONCURRENCY} at a time`, "events/s", runs.baseline);
    ctx.log(`  8 webhook drain: ${subject.value} events/s vs ${baseline.value} POSTs/s`);
    return [
      compareRow("8-webhook-drain", "8. Webhook outbox drain", subject, baseline, {
        kind: "min",
        value: 0.5,
        text: "≥ 0.50 of plain POSTs",
      }),
    ];
  } finally {
    await new Promise((resolve) => receiver.server.close(resolve));
  }
}

interface Receiver {
  server: Server;
  url: string;
  received: number;
  /** When the latest batch's first request arrived (performance.now()). */
  firstAt: number;
  /** Resolves once `count` more requests have arrived. */
  waitFor(count: number): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  let waiting: { target: number; count: number; resolve: () => void } | null = null;
  const receiver: Receiver = {
    server: createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        response.writeHead(204).end();
        if (waiting !== null && receiver.received === waiting.target - waiting.count)
          receiver.firstAt = performance.now();
        receiver.received++;
        if (waiting !== null && receiver.received >= waiting.target) waiting.resolve();
      });
    }),
    url: "",
    received: 0,
    firstAt: 0,
    waitFor: (count) =>
      new Promise((resolve) => {
        waiting = { target: receiver.received + count, count, resolve };
      }),
  };
  await new Promise<void>((resolve) => receiver.server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}/hook`;
  return receiver;
}

/** A copy of the small database (schema migrated) with `events` deliveries queued, about 98 users' worth. */
function queueEvents(ctx: ScenarioContext, events: number, round: number): string {
  const path = `${ctx.small.path}.drain-${round}.db`;
  removeDatabase(path);
  copyFileSync(ctx.small.path, path);
  migrateDatabase(path);
  const db = new Database(path);
  try {
    const insert = db.prepare(`
      INSERT INTO webhook_outbox (event_id, order_key, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)`);
    const now = Date.now();
    db.transaction(() => {
      for (let n = 0; n < events; n++) {
        const user = `user${String((n % 98) + 1).padStart(7, "0")}`;
        insert.run(`bench-${n}`, user, eventBody(n, user, now), now, now);
      }
    })();
  } finally {
    db.close();
  }
  return path;
}

function eventBody(n: number, username: string, now: number): string {
  return JSON.stringify({
    id: `bench-${n}`,
    time: new Date(now).toISOString(),
    type: "login.succeeded",
    username,
    actor: "self",
    ip: "203.0.113.7",
    user_agent: "bench/1.0",
    session_id: null,
    details: { client_id: null, scope: "me", amr: ["pwd"] },
  });
}

/**
 * Starts a server on a database with `events` queued and times the drain from the first
 * delivery to the last (the server's start-up is scenario 5's business).
 */
async function drainOnce(ctx: ScenarioContext, receiver: Receiver, events: number, round: number): Promise<number> {
  const path = queueEvents(ctx, events, round);
  const arrived = receiver.waitFor(events);
  const server = await startGatehouse(`sqlite:${path}`, [], "gatehouse (drain)", {
    GATEHOUSE_WEBHOOK_URL: receiver.url,
    GATEHOUSE_WEBHOOK_SECRET: SECRET,
  });
  try {
    await arrived;
    return (events - 1) / ((performance.now() - receiver.firstAt) / 1000);
  } finally {
    await server.stop();
    removeDatabase(path);
  }
}

async function postDirectly(url: string, events: number): Promise<number> {
  const body = eventBody(0, "user0000001", Date.now());
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < events) {
        next++;
        const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
        await response.body?.cancel();
      }
    }),
  );
  return events / ((performance.now() - started) / 1000);
}
