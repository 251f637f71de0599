import { connect } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../../src/server/build-server.js";
import { createTestGatehouse } from "../support/fixtures.js";

// Review finding 9: requests Node's HTTP parser refuses (malformed HTTP: 400) and clients too
// slow for the request deadline (408) got Fastify's own `{"error","message","statusCode"}` body,
// without the `detail` every error body of the contract has. Only a raw socket can send them.

let app: FastifyInstance;
let port: number;

beforeAll(async () => {
  const { gatehouse } = await createTestGatehouse({ throttle: false });
  // A 1-second deadline keeps the slow-client case short; Node checks deadlines every second.
  app = await buildServer({ gatehouse, requestTimeoutMs: 1000 });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  port = typeof address === "object" && address !== null ? address.port : 0;
});
afterAll(() => app.close());

interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Writes raw bytes (then nothing more) and parses what the server answered before closing. */
function exchange(request: string | Buffer): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, "127.0.0.1", () => socket.write(request));
    socket.setTimeout(10_000, () => socket.destroy(new Error("no answer within 10 s")));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    // The server may reset the connection after answering; what it sent first still counts.
    socket.on("error", (error) => (chunks.length === 0 ? reject(error) : undefined));
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const [head = "", body = ""] = text.split("\r\n\r\n", 2);
      const [statusLine = "", ...headerLines] = head.split("\r\n");
      const headers = Object.fromEntries(
        headerLines.map((line) => [
          line.slice(0, line.indexOf(":")).toLowerCase(),
          line.slice(line.indexOf(":") + 1).trim(),
        ]),
      );
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1]), headers, body });
    });
  });
}

describe("requests Node refuses before routing (regression: errors without detail)", () => {
  it.each([
    ["a request line that is not HTTP", "GARBAGE\r\n\r\n"],
    ["a header line without a colon", "GET /healthz HTTP/1.1\r\nHost: x\r\nNot a header\r\n\r\n"],
    [
      "both Content-Length and Transfer-Encoding",
      "POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    ],
    [
      "a chunk size that is not hexadecimal",
      "POST /token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nab\r\n",
    ],
    ["a NUL byte in the request line", "GET /he\u0000althz HTTP/1.1\r\nHost: x\r\n\r\n"],
    ["an unknown HTTP version", "GET /healthz HTTP/7.2\r\nHost: x\r\n\r\n"],
  ])("answers %s with 400 and the contract's detail body", async (_name, request) => {
    const reply = await exchange(request);
    expect(reply.status).toBe(400);
    expect(reply.headers["content-type"]).toBe("application/json");
    expect(Number(reply.headers["content-length"])).toBe(Buffer.byteLength(reply.body));
    expect(JSON.parse(reply.body)).toEqual({ detail: "Malformed request" });
  });

  it("answers a client too slow to send its body with 408 and the contract's detail body", async () => {
    const reply = await exchange(
      "POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nusername=",
    );
    expect(reply.status).toBe(408);
    expect(JSON.parse(reply.body)).toEqual({ detail: "The request took too long to arrive" });
  });

  it("answers a client too slow to send its headers with 408 and the contract's detail body", async () => {
    const reply = await exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    expect(reply.status).toBe(408);
    expect(JSON.parse(reply.body)).toEqual({ detail: "The request took too long to arrive" });
  });

  it("answers headers over Node's limit with 431 and a detail body", async () => {
    const reply = await exchange(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20 * 1024)}\r\n\r\n`);
    expect(reply.status).toBe(431);
    expect(JSON.parse(reply.body)).toEqual({ detail: "Request header fields too large" });
  });

  it("keeps serving after the refused requests", async () => {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(response.status).toBe(200);
  });
});
