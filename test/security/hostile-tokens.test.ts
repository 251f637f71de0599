import type { FastifyInstance } from "fastify";
import { afterAll, describe, expect, it } from "vitest";
import type { SigningAlgorithm, StoredSigningKey } from "../../src/core/index.js";
import { createFixedClock, createTestServer } from "../support/fixtures.js";
import { buildHostileTokens, type CorpusTarget, validToken } from "./token-corpus.js";

// Whole seconds, so a token's iat equals the users' tokensValidAfter exactly.
const NOW = Math.floor(Date.now() / 1000) * 1000;
const ISSUER = "https://auth.example.com";
const ALGORITHMS: readonly SigningAlgorithm[] = ["HS256", "RS256", "ES256", "EdDSA"];

interface Target {
  algorithm: SigningAlgorithm;
  app: FastifyInstance;
  corpus: CorpusTarget;
}

async function startTarget(algorithm: SigningAlgorithm): Promise<Target> {
  const { app, store } = await createTestServer({ algorithm, issuer: ISSUER, clock: createFixedClock(NOW) });
  const key = currentKey(await store.listSigningKeys());
  return { algorithm, app, corpus: { key, issuer: ISSUER, subject: "johndoe", now: NOW / 1000 } };
}

function currentKey(keys: StoredSigningKey[]): StoredSigningKey {
  const current = keys.filter((key) => key.supersededAt === null).sort((a, b) => b.createdAt - a.createdAt)[0];
  if (!current) throw new Error("the test server has no signing key");
  return current;
}

function readProfile(app: FastifyInstance, token: string) {
  return app.inject({ method: "GET", url: "/users/me", headers: { authorization: `Bearer ${token}` } });
}

const targets = await Promise.all(ALGORITHMS.map(startTarget));
afterAll(async () => {
  await Promise.all(targets.map((target) => target.app.close()));
});

describe.each(targets.map((target) => [target.algorithm, target] as const))(
  "hostile tokens against a %s server",
  (_algorithm, target) => {
    const corpus = buildHostileTokens(target.corpus);

    it("builds a corpus of at least 30 distinct tokens", () => {
      expect(corpus.length).toBeGreaterThanOrEqual(30);
      expect(new Set(corpus.map((entry) => entry.token)).size).toBe(corpus.length);
    });

    it("accepts the control token signed the same way, so each case fails only for its one defect", async () => {
      const response = await readProfile(target.app, validToken(target.corpus));
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ username: "johndoe" });
    });

    it.each(corpus.map((entry) => [entry.name, entry.token] as const))(
      "rejects a token with %s: 401 invalid_token",
      async (_name, token) => {
        const response = await readProfile(target.app, token);
        expect({ status: response.statusCode, body: response.body }).toEqual({
          status: 401,
          body: JSON.stringify({ detail: "Could not validate credentials" }),
        });
        expect(response.headers["www-authenticate"]).toBe('Bearer error="invalid_token", scope="me"');
      },
    );
  },
);
