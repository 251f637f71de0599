import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CompiledExamples,
  compileExamples,
  type ExampleProcess,
  startExample,
  startTokenIssuer,
  type TokenIssuer,
} from "./example-process.js";

let examples: CompiledExamples;
let issuer: TokenIssuer;
let app: ExampleProcess;
let token: string;

beforeAll(async () => {
  examples = compileExamples();
  issuer = await startTokenIssuer();
  token = issuer.token;
  app = await startExample(join(examples.dir, "express-resource-server.js"), {
    GATEHOUSE_ISSUER: issuer.server.url,
    PORT: "0",
  });
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await issuer?.stop();
  examples?.remove();
});

function get(path: string, authorization?: string): Promise<Response> {
  return fetch(`${app.url}${path}`, authorization === undefined ? {} : { headers: { authorization } });
}

/** The token with the first character of its signature changed. */
function forged(jwt: string): string {
  const [header, payload, signature = ""] = jwt.split(".");
  return `${header}.${payload}.${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`;
}

describe("examples/express-resource-server.ts", () => {
  it("serves /orders to a token the Gatehouse server issued, checked against its JWKS", async () => {
    const response = await get("/orders", `Bearer ${token}`);
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 200,
      body: { owner: "johndoe", orders: [] },
    });
  });

  it("answers 403 insufficient_scope when the token lacks the route's scope", async () => {
    const response = await get("/reports", `Bearer ${token}`);
    expect({
      status: response.status,
      challenge: response.headers.get("www-authenticate"),
      body: await response.json(),
    }).toEqual({
      status: 403,
      challenge: 'Bearer error="insufficient_scope", scope="admin"',
      body: { detail: "Not enough permissions" },
    });
  });

  it.each([
    ["no token", () => undefined, "Bearer"],
    ["a token with a forged signature", () => `Bearer ${forged(token)}`, 'Bearer error="invalid_token", scope="me"'],
  ])("answers %s with 401 and the contract's challenge", async (_name, authorization, challenge) => {
    const response = await get("/orders", authorization());
    expect({ status: response.status, challenge: response.headers.get("www-authenticate") }).toEqual({
      status: 401,
      challenge,
    });
  });
});
