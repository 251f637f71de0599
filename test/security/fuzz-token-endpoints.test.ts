import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorization, contentType, formBody, queryString, remoteAddress, request } from "./fuzz-arbitraries.js";
import {
  expectNormalLogin,
  FUZZ_SEED,
  type FuzzTarget,
  fuzzRuns,
  sendAndCheck,
  startFuzzTarget,
} from "./fuzz-harness.js";

const FORMS: Record<string, Record<string, string>> = {
  "/token": { grant_type: "password", username: "johndoe", password: "secret", scope: "me" },
  "/revoke": { token: "x", token_type_hint: "access_token" },
  "/introspect": { token: "x", token_type_hint: "refresh_token" },
};

let target: FuzzTarget;
beforeAll(async () => {
  target = await startFuzzTarget();
  FORMS["/revoke"] = { token: target.tokens.me, token_type_hint: "access_token" };
  FORMS["/introspect"] = { token: target.tokens.admin, token_type_hint: "refresh_token" };
});
afterAll(async () => {
  await target.close();
});

describe("fuzzing the form endpoints", () => {
  it.each(Object.keys(FORMS))(
    "answers every generated request to %s without a 5xx, in the contract's error shape, leaving the store alone on failure",
    async (path) => {
      const statuses = new Map<number, number>();
      const requests = fc.record({
        method: fc.oneof({ weight: 8, arbitrary: fc.constant("POST") }, fc.constantFrom("GET", "PUT", "DELETE")),
        query: queryString,
        contentType,
        authorization: authorization(target.tokens),
        body: fc.option(formBody(FORMS[path] ?? {}), { nil: undefined }),
        remoteAddress,
      });
      await fc.assert(
        fc.asyncProperty(requests, async (parts) => {
          await target.reset();
          const status = await sendAndCheck(
            target,
            request({
              method: parts.method,
              url: `${path}${parts.query}`,
              headers: { "content-type": parts.contentType, authorization: parts.authorization },
              payload: parts.method === "GET" ? undefined : parts.body,
              remoteAddress: parts.remoteAddress,
            }),
          );
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }),
        { seed: FUZZ_SEED, numRuns: fuzzRuns(250) },
      );
      // The generators must reach past the parser: some requests succeed, most fail.
      expect(
        [...statuses.keys()].some((status) => status < 300),
        JSON.stringify([...statuses]),
      ).toBe(true);
      await expectNormalLogin(target);
    },
  );
});
