import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixedClock, createTestServer } from "../support/fixtures.js";

// Unknown usernames and wrong passwords must look alike in status, body and headers; the
// timing half of the promise is measured by bench/enumeration.mjs.

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const WRONG = "not-the-password";

interface Observed {
  status: number;
  body: string;
  headers: Record<string, unknown>;
}

/** Everything a client sees but the Date header, which only says when. */
function observe(response: { statusCode: number; body: string; headers: Record<string, unknown> }): Observed {
  const { date: _date, ...headers } = response.headers;
  return { status: response.statusCode, body: response.body, headers };
}

function loginForm(username: string, password: string): string {
  return new URLSearchParams({ username, password }).toString();
}

describe("no user enumeration at the token endpoint", () => {
  let app: FastifyInstance;
  let address = 0;
  // A fresh client address per login, so one case's failures never throttle another's.
  const nextAddress = () => `203.0.113.${++address}`;
  const attempt = async (username: string, password: string, remoteAddress = nextAddress()) =>
    observe(
      await app.inject({
        method: "POST",
        url: "/token",
        remoteAddress,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: loginForm(username, password),
      }),
    );

  beforeAll(async () => {
    ({ app } = await createTestServer({ clock: createFixedClock(NOW) }));
  });
  afterAll(async () => {
    await app.close();
  });

  it.each([
    ["an existing user with a wrong password", "johndoe"],
    ["a disabled user with a wrong password", "alice"],
    ["an existing user named in other letter case", "JohnDoe"],
    ["an unknown user that differs from one by a letter", "johndoe2"],
  ])("answers %s exactly as an unknown user", async (_name, username) => {
    const unknown = await attempt("nobody-by-this-name", WRONG);
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.body)).toEqual({
      error: "invalid_grant",
      error_description: "Incorrect username or password",
      detail: "Incorrect username or password",
    });
    expect(await attempt(username, WRONG)).toEqual(unknown);
  });

  it("throttles repeated failures for an unknown user at the same attempt and for as long as for an existing one", async () => {
    const replay = async (username: string) => {
      const from = nextAddress();
      const seen: Observed[] = [];
      for (let index = 0; index < 14; index++) seen.push(await attempt(username, WRONG, from));
      return seen;
    };
    const existing = await replay("johndoe");
    expect(existing.some((reply) => reply.status === 429)).toBe(true);
    expect(await replay("nobody-at-all")).toEqual(existing);
  });

  it("sends the same headers over a real socket for an unknown user and a wrong password", async () => {
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    const post = async (username: string) => {
      const response = await fetch(`${url}/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: loginForm(username, WRONG),
      });
      const headers = Object.fromEntries([...response.headers].filter(([name]) => name !== "date"));
      return { status: response.status, body: await response.text(), headers };
    };
    const unknown = await post("nobody-by-this-name");
    expect(unknown.status).toBe(400);
    expect(await post("johndoe")).toEqual(unknown);
  });
});
