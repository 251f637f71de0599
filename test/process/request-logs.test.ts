import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIfStale, type ServerProcess, sendRequest, startServerProcess } from "./server-process.js";

// Review finding 6 as the reviewer saw it: `gatehouse serve` with GATEHOUSE_LOG_LEVEL=info
// wrote `POST /token?password=…` and `GET /users/me?access_token=…` verbatim to its log.

const PASSWORD = "query-string-password-5b2d";
let server: ServerProcess;

beforeAll(async () => {
  buildIfStale();
  server = await startServerProcess(["--database", "memory:", "--demo"], {
    GATEHOUSE_LOG_LEVEL: "info",
    GATEHOUSE_THROTTLE: "off",
  });
}, 180_000);
afterAll(async () => {
  await server?.stop();
});

/** Lines of pino's JSON log in the server's stdout. */
function logEntries(): Array<{ level: number; msg: string }> {
  return server
    .stdout()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { level: number; msg: string });
}

describe("gatehouse serve at GATEHOUSE_LOG_LEVEL=info (regression: credentials in the URL were logged)", () => {
  it("keeps a password sent in the query of POST /token and a token in ?access_token= out of its log", async () => {
    const login = await sendRequest(`${server.url}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "username=johndoe&password=secret",
    });
    const token = (JSON.parse(login.body) as { access_token: string }).access_token;
    await sendRequest(`${server.url}/token?grant_type=password&username=johndoe&password=${PASSWORD}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "",
    });
    await sendRequest(`${server.url}/users/me?access_token=${token}`, {});
    // pino writes asynchronously; the request that follows is logged after the ones before it.
    await sendRequest(`${server.url}/healthz?marker=1`, {});
    await expect
      .poll(() => logEntries().filter((entry) => entry.msg === "request completed").length)
      .toBeGreaterThanOrEqual(4);
    const log = server.stdout();
    expect(log).toContain('"url":"/token?[redacted]"');
    expect(log).toContain('"url":"/users/me?[redacted]"');
    expect(log).not.toContain(PASSWORD);
    expect(log).not.toContain(token);
  });

  it("logs nothing at error level for GET /docs (regression: /docs broke the metrics hook)", async () => {
    const before = logEntries().length;
    expect((await sendRequest(`${server.url}/docs`, {})).status).toBe(200);
    expect((await sendRequest(`${server.url}/docs/static/index.html`, {})).status).toBeLessThan(400);
    await sendRequest(`${server.url}/healthz`, {});
    await expect.poll(() => logEntries().length).toBeGreaterThan(before + 4);
    expect(logEntries().filter((entry) => entry.level >= 50)).toEqual([]);
  });
});
