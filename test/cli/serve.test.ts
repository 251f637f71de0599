import { EventEmitter } from "node:events";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/program.js";
import { type CapturedOutput, createTestIo } from "./cli-harness.js";

async function waitForUrl(output: CapturedOutput): Promise<string> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const match = /^Gatehouse listening on (http:\/\/\S+)$/m.exec(output.text);
    if (match?.[1]) return match[1];
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`the server did not report its URL; it printed: ${output.text}`);
}

function serveInProcess(
  args: string[],
  exit: (code: number) => void = () => undefined,
  env: Record<string, string> = {},
) {
  const signals = new EventEmitter();
  const { io, stdout, stderr } = createTestIo({ signals, exit, env });
  const exitCode = runCli(["serve", "--port", "0", "--database", "memory:", ...args], io);
  return { signals, stdout, stderr, exitCode };
}

describe("gatehouse serve", () => {
  it("prints its URL once listening, serves, and exits 0 after SIGTERM", async () => {
    const server = serveInProcess([]);
    const url = await waitForUrl(server.stdout);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    server.signals.emit("SIGTERM");
    expect(await server.exitCode).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    expect(server.signals.listenerCount("SIGTERM") + server.signals.listenerCount("SIGINT")).toBe(0);
  });

  it("issues for the URL it listens on when no issuer is configured: metadata and tokens name it", async () => {
    const server = serveInProcess(["--demo"]);
    const url = await waitForUrl(server.stdout);
    try {
      const metadata = await (await fetch(`${url}/.well-known/oauth-authorization-server`)).json();
      expect(metadata).toMatchObject({
        issuer: url,
        token_endpoint: `${url}/token`,
        jwks_uri: `${url}/.well-known/jwks.json`,
      });
      const login = await fetch(`${url}/token`, {
        method: "POST",
        body: new URLSearchParams({ username: "johndoe", password: "secret" }),
      });
      const { access_token } = (await login.json()) as { access_token: string };
      const claims = JSON.parse(Buffer.from(access_token.split(".")[1] ?? "", "base64url").toString());
      expect(claims.iss).toBe(url);
    } finally {
      server.signals.emit("SIGTERM");
      expect(await server.exitCode).toBe(0);
    }
  });

  it("uses GATEHOUSE_ISSUER as given, whatever port it listens on", async () => {
    const signals = new EventEmitter();
    const { io, stdout } = createTestIo({ signals, env: { GATEHOUSE_ISSUER: "https://auth.example.com" } });
    const exitCode = runCli(["serve", "--port", "0", "--database", "memory:"], io);
    const url = await waitForUrl(stdout);
    const metadata = await (await fetch(`${url}/.well-known/oauth-authorization-server`)).json();
    expect(metadata).toMatchObject({
      issuer: "https://auth.example.com",
      token_endpoint: "https://auth.example.com/token",
    });
    signals.emit("SIGTERM");
    expect(await exitCode).toBe(0);
  });

  it("refuses an issuer that is not a URL with exit 1 and one line naming GATEHOUSE_ISSUER", async () => {
    const { io, stderr } = createTestIo({ env: { GATEHOUSE_ISSUER: "gatehouse" } });
    expect(await runCli(["serve", "--port", "0", "--database", "memory:"], io)).toBe(1);
    expect(stderr.text).toMatch(/^gatehouse: GATEHOUSE_ISSUER: the issuer must be an absolute URL[^\n]*\n$/);
  });

  it("adds the demo users with --demo and says so", async () => {
    const server = serveInProcess(["--demo"]);
    await waitForUrl(server.stdout);
    expect(server.stdout.text).toMatch(/johndoe/);
    server.signals.emit("SIGINT");
    expect(await server.exitCode).toBe(0);
  });

  it("exits at once on a second signal", async () => {
    const exits: number[] = [];
    const server = serveInProcess([], (code) => exits.push(code));
    await waitForUrl(server.stdout);
    server.signals.emit("SIGINT");
    server.signals.emit("SIGINT");
    expect(exits).toEqual([1]);
    expect(await server.exitCode).toBe(0);
  });

  it.each([
    ["--metrics off", ["--metrics", "off"], {}, 404],
    ["GATEHOUSE_METRICS=admin", [], { GATEHOUSE_METRICS: "admin" }, 401],
    ["the default", [], {}, 200],
  ])(
    "restricts GET /metrics as %s says (regression: /metrics was public with no way to restrict it)",
    async (_name, args, env, status) => {
      const server = serveInProcess(args, undefined, env);
      const url = await waitForUrl(server.stdout);
      try {
        expect((await fetch(`${url}/metrics`)).status).toBe(status);
      } finally {
        server.signals.emit("SIGTERM");
        expect(await server.exitCode).toBe(0);
      }
    },
  );

  it("exits 1 with one line for an unknown GATEHOUSE_METRICS", async () => {
    const server = serveInProcess([], undefined, { GATEHOUSE_METRICS: "private" });
    expect(await server.exitCode).toBe(1);
    expect(server.stderr.text).toBe("gatehouse: GATEHOUSE_METRICS must be one of public, admin, off\n");
  });

  it("exits 1 with one line when the port is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const address = blocker.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      const server = serveInProcess(["--port", String(port)]);
      expect(await server.exitCode).toBe(1);
      expect(server.stderr.text).toMatch(/^gatehouse: [^\n]+\n$/);
    } finally {
      blocker.close();
    }
  });
});
