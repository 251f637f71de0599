import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";
import { buildIfStale, childrenOf, type ServerProcess, sendRequest, startServerProcess } from "./server-process.js";

const SECRET = "workers-webhook-secret";
// Every request on a new connection, so the primary hands each to the next worker.
const fresh = new Agent({ keepAlive: false });

/** The processes among `pids` holding a TCP connection to 127.0.0.1:`port` right now. */
function connectedTo(port: number, pids: readonly number[]): number[] {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      const remote = fields[2];
      if (remote !== undefined && Number.parseInt(remote.split(":")[1] ?? "", 16) === port) inodes.add(fields[9] ?? "");
    }
  }
  return pids.filter((pid) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
          return target.startsWith("socket:[") && inodes.has(target.slice(8, -1));
        } catch {
          return false;
        }
      });
    } catch {
      return false;
    }
  });
}

describe.skipIf(process.platform !== "linux")("gatehouse serve --workers with webhooks", () => {
  let dir: string;
  let receiver: WebhookReceiver;
  let server: ServerProcess;

  beforeAll(async () => {
    await buildIfStale();
    dir = mkdtempSync(join(tmpdir(), "gatehouse-workers-webhooks-"));
    receiver = await startWebhookReceiver(SECRET);
    server = await startServerProcess(["--workers", "2", "--demo", "--database", `sqlite:${join(dir, "g.db")}`], {
      GATEHOUSE_WEBHOOK_URL: receiver.url,
      GATEHOUSE_WEBHOOK_SECRET: SECRET,
    });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("delivers every worker's events once, from one deliverer in the primary", async () => {
    const port = Number(new URL(receiver.url).port);
    const primary = server.child.pid as number;
    expect(await eventually(() => childrenOf(primary).length === 2, 10_000)).toBe(true);
    const workers = childrenOf(primary);
    const senders = new Set<number>();
    const watch = setInterval(() => {
      for (const pid of connectedTo(port, [primary, ...workers])) senders.add(pid);
    }, 5);
    try {
      for (let index = 0; index < 6; index++) {
        const response = await sendRequest(`${server.url}/token`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: "username=johndoe&password=secret",
          agent: fresh,
        });
        expect(response.status).toBe(200);
      }
      const logins = () => receiver.delivered().filter((delivery) => delivery.type === "login.succeeded");
      expect(await eventually(() => logins().length >= 6, 60_000)).toBe(true);
    } finally {
      clearInterval(watch);
    }
    const ids = receiver.delivered().map((delivery) => delivery.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(receiver.delivered().every((delivery) => delivery.signatureValid)).toBe(true);
    expect([...senders]).toEqual([primary]);
  }, 90_000);
});
