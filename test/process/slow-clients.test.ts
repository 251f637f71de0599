import { connect } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../../src/server/build-server.js";
import { createTestGatehouse } from "../support/fixtures.js";

// Slowloris: a client that sends a request a byte at a time, or stops half-way, must not
// keep its socket and half-read request forever. A 1-second deadline keeps the test short.

let app: FastifyInstance;
let port: number;

beforeAll(async () => {
  const { gatehouse } = await createTestGatehouse({ throttle: false });
  app = await buildServer({ gatehouse, requestTimeoutMs: 1000 });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  port = typeof address === "object" && address !== null ? address.port : 0;
});
afterAll(() => app.close());

/** Sends `request` and then nothing more; resolves with what the server answered and when it closed. */
function stall(request: string): Promise<{ answer: string; closedAfterMs: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let answer = "";
    const socket = connect(port, "127.0.0.1", () => socket.write(request));
    socket.setEncoding("utf8");
    socket.setTimeout(10_000, () => socket.destroy(new Error("the server kept a stalled request for 10 s")));
    socket.on("data", (chunk: string) => {
      answer += chunk;
    });
    socket.on("error", reject);
    socket.on("close", () => resolve({ answer, closedAfterMs: performance.now() - started }));
  });
}

describe("slow clients", () => {
  it("gets 408 and a closed socket when a body stops arriving", async () => {
    const { answer, closedAfterMs } = await stall(
      "POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nusername=",
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(closedAfterMs).toBeLessThan(5000);
  });

  it("gets 408 and a closed socket when the headers stop arriving", async () => {
    const { answer, closedAfterMs } = await stall("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(closedAfterMs).toBeLessThan(5000);
  });

  it("still serves a login after the stalled clients are gone", async () => {
    const response = await fetch(`http://127.0.0.1:${port}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "username=johndoe&password=secret",
    });
    expect(response.status).toBe(200);
  });
});
