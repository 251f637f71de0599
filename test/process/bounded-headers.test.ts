import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIfStale, type ServerProcess, sendRequest, startServerProcess } from "./server-process.js";

// What only a real socket shows: Node's own header limit, and which address the throttle sees
// when X-Forwarded-For is sent with and without --trust-proxy.

let direct: ServerProcess;
let proxied: ServerProcess;

beforeAll(async () => {
  buildIfStale();
  [direct, proxied] = await Promise.all([
    startServerProcess(["--database", "memory:", "--demo"]),
    startServerProcess(["--database", "memory:", "--demo", "--trust-proxy", "1"]),
  ]);
}, 180_000);
afterAll(async () => {
  await Promise.all([direct?.stop(), proxied?.stop()]);
});

function login(server: ServerProcess, password: string, forwardedFor?: string) {
  return sendRequest(`${server.url}/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor }),
    },
    body: new URLSearchParams({ username: "johndoe", password }).toString(),
  });
}

describe("header limits over a real socket", () => {
  it("refuses headers over Node's 16 KiB limit with 431 and stays up", async () => {
    const reply = await rawExchange(
      direct.url,
      `GET /users/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${"a".repeat(20 * 1024)}\r\n\r\n`,
    );
    expect(reply).toMatch(/^HTTP\/1\.1 431 /);
    expect((await sendRequest(`${direct.url}/healthz`, {})).status).toBe(200);
  });

  it("answers a 15 KiB bearer token with 401 invalid_token at once", async () => {
    const response = await sendRequest(`${direct.url}/users/me`, {
      headers: { authorization: `Bearer ${"a".repeat(15 * 1024)}` },
      timeoutMs: 5000,
    });
    expect(response.status).toBe(401);
    expect(response.headers["www-authenticate"]).toBe('Bearer error="invalid_token", scope="me"');
    expect(JSON.parse(response.body)).toEqual({ detail: "Could not validate credentials" });
  });
});

describe("the client address behind X-Forwarded-For", () => {
  it("is the socket address without --trust-proxy: made-up forwarded addresses share one allowance", async () => {
    for (let i = 0; i < 10; i++) expect((await login(direct, "wrong", `203.0.113.${i}`)).status).toBe(400);
    const refused = await login(direct, "secret", "203.0.113.200");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(800);
  });

  it("is the forwarded address with --trust-proxy 1: one client's failures do not throttle another", async () => {
    for (let i = 0; i < 10; i++) expect((await login(proxied, "wrong", "203.0.113.5")).status).toBe(400);
    expect((await login(proxied, "secret", "203.0.113.5")).status).toBe(429);
    expect((await login(proxied, "secret", "203.0.113.6")).status).toBe(200);
    expect((await login(proxied, "secret")).status).toBe(200);
  });

  it("exits 0 on SIGTERM", async () => {
    expect(await Promise.all([direct.stop(), proxied.stop()])).toEqual([0, 0]);
  });
});

/** Writes raw bytes to the server and collects everything it answers until it closes or 5 s pass. */
function rawExchange(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let answer = "";
    const socket = connect(Number(port), hostname, () => socket.end(request));
    socket.setEncoding("utf8");
    socket.setTimeout(5000, () => socket.destroy());
    socket.on("data", (chunk: string) => {
      answer += chunk;
    });
    // The server may reset the connection while we are still writing; what it sent first still counts.
    socket.on("error", (error) => (answer === "" ? reject(error) : resolve(answer)));
    socket.on("close", () => resolve(answer));
  });
}
