import { METHODS } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anyText, authorization, contentType, headerValue, remoteAddress, request, safe } from "./fuzz-arbitraries.js";
import {
  expectNormalLogin,
  FUZZ_SEED,
  type FuzzTarget,
  fuzzRuns,
  sendAndCheck,
  startFuzzTarget,
} from "./fuzz-harness.js";

const KNOWN_PATHS = [
  "/token",
  "/revoke",
  "/introspect",
  "/logout",
  "/logout/all",
  "/users",
  "/users/me",
  "/user/me",
  "/users/me/password",
  "/users/me/sessions",
  "/users/me/sessions/00000000-0000-4000-8000-000000000000",
  "/users/johndoe",
  "/users/johndoe/sessions",
  "/.well-known/jwks.json",
  "/.well-known/oauth-authorization-server",
  "/openapi.json",
  "/docs",
  "/docs/",
  "/healthz",
  "/readyz",
  "/metrics",
];

const mutatedPath = fc
  .tuple(fc.constantFrom(...KNOWN_PATHS), fc.nat())
  .chain(([path, seed]) =>
    fc.constantFrom(
      `${path}/`,
      `/${path}`,
      path.toUpperCase(),
      `${path}%00`,
      `${path}/..`,
      `${path}/../token`,
      `/.${path}`,
      `${path}?${seed}=%`,
      `${path}?a=1&a=2&a[]=3`,
      `${path};jsessionid=${seed}`,
      `${path}#fragment`,
      path.replace(/e/g, "%65"),
      path.replace(/\//g, "%2F"),
      `${path}/${"a".repeat(300)}`,
      `${path}%`,
      `${path}%zz`,
    ),
  );

const randomPath = fc
  .array(
    fc.oneof(
      anyText.map((text) => encodeURIComponent(safe(text))),
      fc.constantFrom("..", ".", "", "%", "%2e%2e", "%c0%ae", "users", "me"),
    ),
    { maxLength: 5 },
  )
  .map((segments) => `/${segments.join("/")}`);

const headerName = fc.oneof(
  fc.constantFrom(
    "accept",
    "accept-encoding",
    "accept-language",
    "origin",
    "cookie",
    "host",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "x-http-method-override",
    "if-none-match",
    "range",
    "content-encoding",
    "accept-version",
  ),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
);

let target: FuzzTarget;
beforeAll(async () => {
  target = await startFuzzTarget();
});
afterAll(async () => {
  await target.close();
});

describe("fuzzing paths, methods and headers", () => {
  it("answers any method on any path with any headers without a 5xx, in the contract's error shape, leaving the store alone on failure", async () => {
    const statuses = new Map<number, number>();
    const requests = fc.record({
      method: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom("GET", "POST", "PATCH", "DELETE", "HEAD", "OPTIONS", "PUT") },
        { weight: 1, arbitrary: fc.constantFrom(...METHODS.filter((method) => method !== "CONNECT")) },
      ),
      url: fc.oneof(fc.constantFrom(...KNOWN_PATHS), mutatedPath, randomPath),
      headers: fc.dictionary(headerName, headerValue, { maxKeys: 6 }),
      contentType,
      authorization: authorization(target.tokens),
      body: fc.option(anyText, { nil: undefined }),
      remoteAddress,
    });
    await fc.assert(
      fc.asyncProperty(requests, async (parts) => {
        await target.reset();
        const status = await sendAndCheck(
          target,
          request({
            method: parts.method,
            url: parts.url,
            headers: { ...parts.headers, "content-type": parts.contentType, authorization: parts.authorization },
            payload: parts.method === "GET" || parts.method === "HEAD" ? undefined : parts.body,
            remoteAddress: parts.remoteAddress,
          }),
        );
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }),
      { seed: FUZZ_SEED, numRuns: fuzzRuns(600) },
    );
    expect(
      [...statuses.keys()].some((status) => status < 300),
      JSON.stringify([...statuses]),
    ).toBe(true);
    await expectNormalLogin(target);
  });
});
