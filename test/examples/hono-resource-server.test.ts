import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CompiledExamples, compileExamples, startTokenIssuer, type TokenIssuer } from "./example-process.js";

const root = resolve(import.meta.dirname, "../..");
let examples: CompiledExamples;
let issuer: TokenIssuer;
let token: string;

beforeAll(async () => {
  examples = compileExamples();
  issuer = await startTokenIssuer();
  token = issuer.token;
}, 120_000);

afterAll(async () => {
  await issuer?.stop();
  examples?.remove();
});

interface Answer {
  status: number;
  challenge: string | null;
  body: unknown;
}

/**
 * Asks the example app, as Bun, Deno or Workers would call it (`app.fetch`), in a Node process
 * of its own where `gatehouse/…` resolves as in a user's project; its JWKS comes over HTTP.
 */
function ask(path: string, authorization?: string): Answer {
  const script = `
    const { default: app } = await import(${JSON.stringify(pathToFileURL(join(examples.dir, "hono-resource-server.js")).href)});
    const headers = ${JSON.stringify(authorization === undefined ? {} : { authorization })};
    const response = await app.fetch(new Request("http://orders.test${path}", { headers }));
    console.log(JSON.stringify({ status: response.status, challenge: response.headers.get("www-authenticate"), body: await response.json() }));`;
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: root,
    env: { ...process.env, GATEHOUSE_ISSUER: issuer.server.url },
    encoding: "utf8",
    timeout: 30_000,
  });
  expect(run.stderr).toBe("");
  return JSON.parse(run.stdout) as Answer;
}

describe("examples/hono-resource-server.ts", () => {
  it("serves /orders to a token the Gatehouse server issued, checked against its JWKS", () => {
    expect(ask("/orders", `Bearer ${token}`)).toEqual({
      status: 200,
      challenge: null,
      body: { owner: "johndoe", orders: [] },
    });
  });

  it("answers 403 insufficient_scope when the token lacks the route's scope", () => {
    expect(ask("/reports", `Bearer ${token}`)).toEqual({
      status: 403,
      challenge: 'Bearer error="insufficient_scope", scope="admin"',
      body: { detail: "Not enough permissions" },
    });
  });

  it("answers 401 with a Bearer challenge without a token", () => {
    expect(ask("/orders")).toEqual({ status: 401, challenge: "Bearer", body: { detail: "Not authenticated" } });
  });
});
