import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIfStale, childrenOf, type ServerProcess, sendRequest, startServerProcess } from "./server-process.js";

// Every request on a new connection, so the primary hands each to the next worker.
const fresh = new Agent({ keepAlive: false });
const form = { "content-type": "application/x-www-form-urlencoded" };

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
}

const login = (url: string, username: string, password: string) =>
  sendRequest(`${url}/token`, {
    method: "POST",
    headers: form,
    body: new URLSearchParams({ username, password }).toString(),
    agent: fresh,
  });

describe.skipIf(process.platform !== "linux")("gatehouse serve --workers", () => {
  let dir: string;
  let server: ServerProcess;

  beforeAll(async () => {
    await buildIfStale();
    dir = mkdtempSync(join(tmpdir(), "gatehouse-workers-"));
    server = await startServerProcess(["--workers", "2", "--demo", "--database", `sqlite:${join(dir, "g.db")}`]);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs two worker processes under one primary on one port", async () => {
    expect(await eventually(() => childrenOf(server.child.pid as number).length === 2, 10_000)).toBe(true);
    expect((await sendRequest(`${server.url}/healthz`, { agent: fresh })).status).toBe(200);
  });

  it("counts failed logins across workers: the 11th guess is refused whichever worker gets it", async () => {
    for (let attempt = 1; attempt <= 10; attempt++) {
      expect((await login(server.url, "alice", `wrong-${attempt}`)).status).toBe(400);
    }
    expect((await login(server.url, "alice", "wrong-11")).status).toBe(429);
    // The guesses really were spread: each worker's own metrics saw only some of them.
    const seen: number[] = [];
    for (let scrape = 0; scrape < 6; scrape++) {
      const text = (await sendRequest(`${server.url}/metrics`, { agent: fresh })).body;
      const match = /gatehouse_logins_total\{grant="password",outcome="invalid_grant"\} (\d+)/.exec(text);
      seen.push(Number(match?.[1] ?? 0));
    }
    // Ten failures in all; a worker that saw some but not all of them proves they were spread.
    expect(seen.some((count) => count > 0 && count < 10)).toBe(true);
  });

  it("sees a logout made through one worker on every worker", async () => {
    const token = JSON.parse((await login(server.url, "johndoe", "secret")).body).access_token as string;
    const me = () =>
      sendRequest(`${server.url}/users/me`, { headers: { authorization: `Bearer ${token}` }, agent: fresh });
    expect((await me()).status).toBe(200);
    const logout = await sendRequest(`${server.url}/logout`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      agent: fresh,
    });
    expect(logout.status).toBeLessThan(300);
    // The contract's bound is one second; the margin keeps a busy machine from failing this.
    const allRefuse = async () => (await Promise.all([me(), me(), me(), me()])).every((reply) => reply.status === 401);
    expect(await eventually(allRefuse, 5_000)).toBe(true);
  });

  it("replaces a worker that dies, and keeps serving", async () => {
    const pid = server.child.pid as number;
    const [victim] = childrenOf(pid);
    process.kill(victim as number, "SIGKILL");
    expect(
      await eventually(() => /Worker \d+ exited \(SIGKILL\); starting another/.test(server.stdout()), 10_000),
    ).toBe(true);
    expect(
      await eventually(() => {
        const now = childrenOf(pid);
        return now.length === 2 && !now.includes(victim as number);
      }, 15_000),
    ).toBe(true);
    expect((await login(server.url, "johndoe", "secret")).status).toBe(200);
  });

  it("stops every worker and exits 0 on SIGTERM", async () => {
    const pid = server.child.pid as number;
    const workers = childrenOf(pid);
    expect(await server.stop()).toBe(0);
    const alive = new Set(readdirSync("/proc"));
    expect(workers.filter((worker) => alive.has(String(worker)))).toEqual([]);
  });
});
