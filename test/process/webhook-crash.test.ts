import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";
import { buildIfStale, type ServerProcess, sendRequest, startServerProcess } from "./server-process.js";

// SIGKILL the real server while it holds webhook deliveries in flight (the receiver hangs) and
// more wait in the outbox; after a restart, every event recorded since webhooks were turned on
// reaches the receiver, each acknowledged once.

const root = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "gatehouse-webhook-crash-"));
const dbPath = join(dir, "gatehouse.db");
// Only serve and demo create a missing database; an empty file is a new SQLite database.
writeFileSync(dbPath, "");
const SECRET = "crash-test-webhook-secret";
const FORM = { "content-type": "application/x-www-form-urlencoded" };

function cli(args: string[], stdin = ""): void {
  const run = spawnSync(process.execPath, [join(root, "bin/gatehouse.js"), ...args, "--database", `sqlite:${dbPath}`], {
    input: stdin,
    encoding: "utf8",
    env: { ...process.env, GATEHOUSE_DATABASE_URL: "" },
  });
  if (run.status !== 0) throw new Error(`gatehouse ${args.join(" ")} failed: ${run.stderr}`);
}

/** The ids of the events recorded at or after `since`, oldest first, read straight from the file. */
function recordedSince(since: number): string[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare("SELECT id FROM audit_events WHERE time >= ? ORDER BY seq").pluck().all(since) as string[];
  } finally {
    db.close();
  }
}

let receiver: WebhookReceiver;
let server: ServerProcess | undefined;
const env = () => ({
  GATEHOUSE_LOG_LEVEL: "error",
  GATEHOUSE_WEBHOOK_URL: receiver.url,
  GATEHOUSE_WEBHOOK_SECRET: SECRET,
  GATEHOUSE_WEBHOOK_TIMEOUT: "1",
});

beforeAll(async () => {
  buildIfStale();
  receiver = await startWebhookReceiver(SECRET, "hang");
  cli(["users", "add", "grace", "--email", "grace@example.com", "--password-stdin"], "grace password 1\n");
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("webhooks across a SIGKILL", () => {
  it("deliver every event recorded before the kill after a restart, each once", async () => {
    const enabledAt = Date.now();
    server = await startServerProcess(["--database", `sqlite:${dbPath}`], env());
    const url = server.url;
    const login = (password: string) =>
      sendRequest(`${url}/token`, {
        method: "POST",
        headers: FORM,
        body: new URLSearchParams({ username: "grace", password }).toString(),
      });
    expect((await login("grace password 1")).status).toBe(200);
    expect((await login("wrong password")).status).toBe(400);
    // A command's change, queued because the server turned delivery on for the database.
    cli(["users", "add", "hopper", "--email", "hopper@example.com", "--password-stdin"], "hopper password 1\n");
    expect((await login("grace password 1")).status).toBe(200);
    expect(await eventually(() => receiver.requests.length >= 2)).toBe(true);

    server.child.kill("SIGKILL");
    await server.stop();
    const before = recordedSince(enabledAt);
    expect(before.length).toBeGreaterThanOrEqual(4);
    expect(receiver.delivered()).toEqual([]);

    receiver.mode = "ok";
    server = await startServerProcess(["--database", `sqlite:${dbPath}`], env());
    const arrived = () => new Set(receiver.delivered().map((delivery) => delivery.id));
    expect(await eventually(() => before.every((id) => arrived().has(id)), 90_000)).toBe(true);
    const delivered = receiver.delivered().filter((delivery) => before.includes(delivery.id));
    expect(delivered.map((delivery) => delivery.id).sort()).toEqual([...before].sort());
    expect(new Set(before).size).toBe(before.length);
    for (const delivery of receiver.requests) expect(delivery.signatureValid).toBe(true);
    // Each user's events arrived in the order they were recorded.
    const orderOf = (username: string) =>
      delivered.filter((delivery) => delivery.username === username).map((delivery) => before.indexOf(delivery.id));
    for (const username of ["grace", "hopper"]) {
      const order = orderOf(username);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
  }, 180_000);
});
