import { createHmac } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/server/config.js";
import { accessTokenFor, createTestServer } from "../support/fixtures.js";

// Review finding 13: a token signed with the server's key whose claims held bytes that are not
// UTF-8 was accepted, because the JWT library decodes leniently (invalid bytes become U+FFFD).
// The server's HS256 key is known here because it is configured, as an operator would.

const SECRET = "a secret shared with a FastAPI app, 32+ bytes long";
let app: FastifyInstance;
let claims: Record<string, unknown>;
let header: Record<string, unknown>;

beforeAll(async () => {
  const config = loadConfig({ GATEHOUSE_SECRET_KEY: SECRET });
  ({ app } = await createTestServer({ ...config.gatehouse, throttle: false }));
  // A real token's header and claims, so the forged ones differ from it only by the bytes under test.
  const [headerPart = "", payloadPart = ""] = (await accessTokenFor(app, "johndoe", "secret")).split(".");
  header = JSON.parse(Buffer.from(headerPart, "base64url").toString("utf8"));
  claims = JSON.parse(Buffer.from(payloadPart, "base64url").toString("utf8"));
});
afterAll(() => app.close());

/** Signs `header` and the real claims plus `"note":"<bytes>"` with GATEHOUSE_SECRET_KEY. */
function signWithRawClaim(tokenHeader: Record<string, unknown>, bytes: readonly number[]): string {
  const prefix = JSON.stringify({ ...claims, jti: crypto.randomUUID() }).slice(0, -1);
  const payload = Buffer.concat([Buffer.from(`${prefix},"note":"`), Buffer.from(bytes), Buffer.from('"}')]);
  const input = `${Buffer.from(JSON.stringify(tokenHeader)).toString("base64url")}.${payload.toString("base64url")}`;
  return `${input}.${createHmac("sha256", Buffer.from(SECRET, "utf8")).update(input).digest("base64url")}`;
}

const readProfile = (token: string) =>
  app.inject({ method: "GET", url: "/users/me", headers: { authorization: `Bearer ${token}` } });

describe("GET /users/me with a correctly signed token (regression: invalid UTF-8 inside a claim was accepted)", () => {
  it("accepts the control: the same claims with valid multi-byte UTF-8", async () => {
    expect((await readProfile(signWithRawClaim(header, [...Buffer.from("é€𝄞")]))).statusCode).toBe(200);
    expect((await readProfile(signWithRawClaim({ alg: "HS256", typ: "JWT" }, [...Buffer.from("é")]))).statusCode).toBe(
      200,
    );
  });

  it.each([
    ["a lone 0xFF byte", [0xff]],
    ["a truncated three-byte sequence", [0xe2, 0x82]],
    ["an overlong encoding", [0xc0, 0xaf]],
    ["an encoded UTF-16 surrogate", [0xed, 0xa0, 0x80]],
  ])("refuses %s in a claim with 401 invalid_token, with a kid and without", async (_name, bytes) => {
    for (const tokenHeader of [header, { alg: "HS256", typ: "JWT" }]) {
      const response = await readProfile(signWithRawClaim(tokenHeader, bytes));
      expect({ status: response.statusCode, body: response.json() }).toEqual({
        status: 401,
        body: { detail: "Could not validate credentials" },
      });
      expect(response.headers["www-authenticate"]).toBe('Bearer error="invalid_token", scope="me"');
    }
  });
});
