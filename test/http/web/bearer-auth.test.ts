import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRemoteVerifier,
  DEFAULT_ISSUER,
  type Gatehouse,
  gatehouseVerifier,
  type TokenVerifier,
} from "../../../src/core/index.js";
import { bearerAuth } from "../../../src/http/web/index.js";
import { accessTokenFor, createTestServer } from "../../support/fixtures.js";

let app: FastifyInstance;
let gatehouse: Gatehouse;
let jwksUrl: string;
let token: string;
let adminOnlyToken: string;

beforeAll(async () => {
  ({ app, gatehouse } = await createTestServer({ algorithm: "EdDSA" }));
  await app.listen({ host: "127.0.0.1", port: 0 });
  jwksUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  token = await accessTokenFor(app, "johndoe", "secret");
  adminOnlyToken = await accessTokenFor(app, "root", "rootpassword", "admin");
});
afterAll(() => app.close());

function request(authorization?: string): Request {
  return new Request("http://api.test/users/me", {
    headers: authorization === undefined ? {} : { authorization },
  });
}

async function failure(result: Awaited<ReturnType<ReturnType<typeof bearerAuth>>>) {
  if (result.ok) throw new Error("expected a failure");
  const { response } = result;
  return { status: response.status, headers: response.headers, body: (await response.json()) as unknown };
}

describe("bearerAuth (fetch API)", () => {
  const authorize = () => bearerAuth(gatehouseVerifier(gatehouse), { scopes: ["me"] });

  it("returns the principal for a valid token", async () => {
    const result = await authorize()(request(`Bearer ${token}`));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.auth.claims.sub).toBe("johndoe");
    expect(result.auth.scopes).toEqual(["me"]);
    expect(result.auth.user.username).toBe("johndoe");
  });

  it.each([undefined, "Basic am9obmRvZTpzZWNyZXQ=", "Token abc", "Bearer"])(
    "answers %j with 401 Not authenticated and a bare Bearer challenge",
    async (authorization) => {
      const reply = await failure(await authorize()(request(authorization)));
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({ detail: "Not authenticated" });
      expect(reply.headers.get("www-authenticate")).toBe("Bearer");
    },
  );

  it.each([
    ["garbage", () => "Bearer not-a-token"],
    ["a tampered signature", () => `Bearer ${token.slice(0, -4)}AAAA`],
    ["a malformed credential", () => "Bearer a b"],
  ])("answers %s with 401 and an invalid_token challenge naming the scopes", async (_name, header) => {
    const reply = await failure(await authorize()(request(header())));
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ detail: "Could not validate credentials" });
    expect(reply.headers.get("www-authenticate")).toBe('Bearer error="invalid_token", scope="me"');
  });

  it("answers a token without the scope with 403 and an insufficient_scope challenge", async () => {
    const reply = await failure(await authorize()(request(`Bearer ${adminOnlyToken}`)));
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual({ detail: "Not enough permissions" });
    expect(reply.headers.get("www-authenticate")).toBe('Bearer error="insufficient_scope", scope="me"');
  });

  it.each([
    ["no header", () => undefined],
    ["another scheme", () => "Basic am9obmRvZTpzZWNyZXQ="],
    ["garbage", () => "Bearer not-a-token"],
    ["a malformed credential", () => "Bearer a b"],
    ["a token without the scope", () => `Bearer ${adminOnlyToken}`],
  ])("replies to %s exactly as the Fastify plugin's GET /users/me does", async (_name, header) => {
    const authorization = header();
    const ours = await failure(await authorize()(request(authorization)));
    const fastify = await app.inject({
      method: "GET",
      url: "/users/me",
      headers: authorization === undefined ? {} : { authorization },
    });
    expect(ours.status).toBe(fastify.statusCode);
    expect(ours.body).toEqual(fastify.json());
    expect(ours.headers.get("www-authenticate")).toBe(fastify.headers["www-authenticate"]);
    expect(ours.headers.get("content-type")).toBe(fastify.headers["content-type"]);
  });

  it("works with a remote verifier that only knows the issuer's JWKS URL", async () => {
    const remote = bearerAuth(createRemoteVerifier({ jwksUrl, issuer: DEFAULT_ISSUER }), { scopes: ["me"] });
    const result = await remote(request(`Bearer ${token}`));
    expect(result.ok && result.auth.claims.sub).toBe("johndoe");
    expect((await failure(await remote(request(`Bearer ${adminOnlyToken}`)))).status).toBe(403);
  });

  it("answers 503 while the issuer's keys cannot be fetched, rather than blaming the token", async () => {
    const unreachable = createRemoteVerifier({ jwksUrl: "http://127.0.0.1:1/jwks.json", issuer: DEFAULT_ISSUER });
    const reply = await failure(await bearerAuth(unreachable)(request(`Bearer ${token}`)));
    expect(reply.status).toBe(503);
    expect(reply.body).toEqual({ detail: "Service temporarily unavailable" });
  });

  it("answers a disabled user's token with 400 Inactive user; allowing inactive users does not revive its ended session", async () => {
    await gatehouse.users.create({ username: "carol", email: "carol@example.com", password: "carolpassword1" });
    const carolToken = await accessTokenFor(app, "carol", "carolpassword1");
    await gatehouse.users.update("carol", { disabled: true });
    const reply = await failure(await authorize()(request(`Bearer ${carolToken}`)));
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ detail: "Inactive user" });
    // Disabling ended carol's sessions, so a token from before it is no longer valid at all.
    const lenient = bearerAuth(gatehouseVerifier(gatehouse, { allowInactive: true }));
    const refused = await failure(await lenient(request(`Bearer ${carolToken}`)));
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ detail: "Could not validate credentials" });
  });

  it("rethrows errors that are not Gatehouse's for the runtime to handle", async () => {
    const failing: TokenVerifier = {
      verify: async () => {
        throw new Error("database on fire");
      },
    };
    await expect(bearerAuth(failing)(request(`Bearer ${token}`))).rejects.toThrow("database on fire");
  });
});
