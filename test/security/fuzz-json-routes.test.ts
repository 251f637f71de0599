import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  anyText,
  authorization,
  contentType,
  jsonBody,
  remoteAddress,
  request,
  safe,
  usernameSegment,
} from "./fuzz-arbitraries.js";
import {
  expectNormalLogin,
  FUZZ_SEED,
  type FuzzTarget,
  fuzzRuns,
  sendAndCheck,
  startFuzzTarget,
} from "./fuzz-harness.js";

interface JsonRoute {
  method: string;
  /** The path, or a path per generated username. */
  path: fc.Arbitrary<string>;
  /** A valid body to mutate; none for routes without one. */
  body?: Record<string, unknown>;
}

const ROUTES: Record<string, JsonRoute> = {
  "POST /users": {
    method: "POST",
    path: fc.constant("/users"),
    body: {
      username: "victim",
      email: "victim@example.com",
      password: "correct horse battery",
      full_name: "Victim",
      scopes: ["me"],
      disabled: false,
    },
  },
  "GET /users": {
    method: "GET",
    path: fc
      .tuple(
        fc.option(fc.oneof(fc.integer({ min: -5, max: 600 }).map(String), anyText), { freq: 2 }),
        fc.option(anyText, { freq: 1 }),
      )
      .map(([limit, cursor]) => {
        const query = new URLSearchParams();
        if (limit !== null) query.set("limit", safe(limit));
        if (cursor !== null) query.set("cursor", safe(cursor));
        return `/users?${query}`;
      }),
  },
  "GET /users/{username}": { method: "GET", path: usernameSegment.map((name) => `/users/${name}`) },
  "PATCH /users/{username}": {
    method: "PATCH",
    path: usernameSegment.map((name) => `/users/${name}`),
    body: {
      email: "new@example.com",
      full_name: "New Name",
      scopes: ["me"],
      disabled: true,
      password: "another long password",
    },
  },
  "DELETE /users/{username}": { method: "DELETE", path: usernameSegment.map((name) => `/users/${name}`) },
  "GET /users/me": { method: "GET", path: fc.constantFrom("/users/me", "/user/me") },
  "PATCH /users/me": {
    method: "PATCH",
    path: fc.constant("/users/me"),
    body: { email: "john@example.org", full_name: "John" },
  },
  "POST /users/me/password": {
    method: "POST",
    path: fc.constant("/users/me/password"),
    body: { current_password: "secret", new_password: "a brand new password" },
  },
  "POST /logout": { method: "POST", path: fc.constant("/logout") },
  "POST /logout/all": { method: "POST", path: fc.constant("/logout/all") },
};

const jsonContentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant<string | undefined>("application/json") },
  { weight: 1, arbitrary: fc.constant<string | undefined>("application/json; charset=utf-8") },
  { weight: 2, arbitrary: contentType },
);

let target: FuzzTarget;
beforeAll(async () => {
  target = await startFuzzTarget();
});
afterAll(async () => {
  await target.close();
});

describe("fuzzing the JSON routes", () => {
  it.each(Object.keys(ROUTES))(
    "answers every generated %s request without a 5xx, in the contract's error shape, leaving the store alone on failure",
    async (name) => {
      const route = ROUTES[name] as JsonRoute;
      const statuses = new Map<number, number>();
      const body = route.body === undefined ? fc.option(anyText, { nil: undefined }) : jsonBody(route.body);
      const requests = fc.record({
        path: route.path,
        contentType: jsonContentType,
        authorization: authorization(target.tokens),
        body,
        remoteAddress,
      });
      await fc.assert(
        fc.asyncProperty(requests, async (parts) => {
          await target.reset();
          const status = await sendAndCheck(
            target,
            request({
              method: route.method,
              url: parts.path,
              headers: {
                "content-type": parts.body === undefined ? undefined : parts.contentType,
                authorization: parts.authorization,
              },
              payload: route.method === "GET" ? undefined : parts.body,
              remoteAddress: parts.remoteAddress,
            }),
          );
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }),
        { seed: FUZZ_SEED, numRuns: fuzzRuns(120) },
      );
      // The generators must get past authentication and validation to the handler now and then.
      expect(
        [...statuses.keys()].some((status) => status < 300),
        JSON.stringify([...statuses]),
      ).toBe(true);
      await expectNormalLogin(target);
    },
  );
});
