import { createLocalJWKSet, jwtVerify } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { RESERVED_CLAIM_NAMES } from "../../../src/core/claims/custom-claims.js";
import { type Gatehouse, type GatehouseOptions, isGatehouseError } from "../../../src/core/index.js";
import { createRemoteVerifier } from "../../../src/http/verify/index.js";
import { memoryStore } from "../../../src/stores/memory/memory-store.js";
import { createTestGatehouse, createTestServer, login } from "../../support/fixtures.js";

const CONTEXT = { clientAddress: "127.0.0.1" };
const opened: Gatehouse[] = [];

async function gatehouseWith(options: Partial<GatehouseOptions>): Promise<Gatehouse> {
  const { gatehouse } = await createTestGatehouse({ algorithm: "EdDSA", syncInterval: 0, ...options });
  opened.push(gatehouse);
  return gatehouse;
}

const passwordLogin = (gatehouse: Gatehouse) =>
  gatehouse.handleTokenRequest({ username: "johndoe", password: "secret" }, CONTEXT);

afterEach(async () => {
  for (const gatehouse of opened.splice(0)) await gatehouse.close();
});

describe("custom claims", () => {
  it.each(["sub", "iss", "exp", "scope", "client_id", "amr", "cnf"])(
    "refuses claimNames naming the registered claim %s when the Gatehouse is created",
    async (name) => {
      await expect(gatehouseWith({ claims: () => ({}), claimNames: ["tenant", name] })).rejects.toThrow(
        new TypeError(`the claim ${name} is registered and cannot be set by a custom claims hook`),
      );
    },
  );

  it("refuses a malformed claim name, and claimNames without a hook, when the Gatehouse is created", async () => {
    await expect(gatehouseWith({ claims: () => ({}), claimNames: ["has space"] })).rejects.toThrow(TypeError);
    await expect(gatehouseWith({ claimNames: ["tenant"] })).rejects.toThrow(/set claims too/);
  });

  it("puts the hook's claims into the access token, read by the local verifier, the remote verifier and jose", async () => {
    const gatehouse = await gatehouseWith({
      claims: (user) => ({ tenant: "acme", roles: ["editor"], name: user.fullName, plan: { seats: 3 } }),
      claimNames: ["tenant", "roles", "name", "plan"],
      issuer: "https://auth.example.com",
    });
    const { access_token } = await passwordLogin(gatehouse);

    const principal = await gatehouse.currentActiveUser(access_token, ["me"]);
    expect(principal.claims).toMatchObject({ sub: "johndoe", tenant: "acme", roles: ["editor"], plan: { seats: 3 } });
    expect(principal.claims.name).toBe("John Doe");

    const jwks = gatehouse.jwks();
    const remote = createRemoteVerifier({
      jwksUrl: "http://127.0.0.1:1/.well-known/jwks.json",
      issuer: "https://auth.example.com",
      fetch: async () => new Response(JSON.stringify(jwks), { headers: { "content-type": "application/json" } }),
    });
    expect((await remote.verify(access_token, ["me"])).claims).toMatchObject({ tenant: "acme", roles: ["editor"] });

    const { payload } = await jwtVerify(access_token, createLocalJWKSet(jwks), {
      issuer: "https://auth.example.com",
      typ: "at+jwt",
      algorithms: ["EdDSA"],
    });
    expect(payload).toMatchObject({ sub: "johndoe", scope: "me", client_id: "gatehouse", tenant: "acme" });
  });

  it("asks the hook again at every refresh, so a refreshed token carries its current output", async () => {
    const plans = new Map([["johndoe", "free"]]);
    const gatehouse = await gatehouseWith({ claims: (user) => ({ plan: plans.get(user.username) ?? null }) });
    const first = await passwordLogin(gatehouse);
    expect((await gatehouse.currentUser(first.access_token)).claims.plan).toBe("free");
    plans.set("johndoe", "pro");
    const refreshed = await gatehouse.handleTokenRequest(
      { grant_type: "refresh_token", refresh_token: first.refresh_token },
      CONTEXT,
    );
    expect((await gatehouse.currentUser(refreshed.access_token)).claims.plan).toBe("pro");
  });

  it("gives the hook the user without its password hash", async () => {
    let seen: object | undefined;
    const gatehouse = await gatehouseWith({
      claims: (user) => {
        seen = user;
        return {};
      },
    });
    await passwordLogin(gatehouse);
    expect(seen).toMatchObject({ username: "johndoe" });
    expect(seen).not.toHaveProperty("passwordHash");
  });

  it.each([
    ["a registered claim", { sub: "root" }, /registered claim sub/],
    ["a name outside claimNames", { other: 1 }, /not in claimNames/],
    ["a date", { since: new Date(0) }, /not a JSON value/],
    ["undefined", { missing: undefined }, /not a JSON value/],
    ["NaN", { ratio: Number.NaN }, /not a JSON value/],
    ["more than 4 KiB", { big: "x".repeat(5000) }, /exceed 4096 bytes/],
  ])(
    "fails the login with invalid_claims when the hook returns %s, starting no session",
    async (_case, claims, message) => {
      const store = memoryStore();
      const allowed = ["since", "missing", "ratio", "big", "sub"].filter(
        (name) => !RESERVED_CLAIM_NAMES.includes(name),
      );
      const gatehouse = await gatehouseWith({
        store,
        claims: () => claims as Record<string, unknown>,
        ...(Object.hasOwn(claims, "other") ? { claimNames: allowed } : {}),
      });
      const error = await passwordLogin(gatehouse).catch((caught: unknown) => caught);
      expect(isGatehouseError(error, "invalid_claims")).toBe(true);
      expect((error as Error).message).toMatch(message);
      expect(await store.listSessions("johndoe", Date.now())).toEqual([]);
    },
  );

  it("refuses a hook that returns no plain object", async () => {
    const gatehouse = await gatehouseWith({ claims: () => ["tenant"] as unknown as Record<string, unknown> });
    await expect(passwordLogin(gatehouse)).rejects.toThrow(/plain object/);
  });

  it("answers POST /token with 500 server_error, not a token, when the hook breaks its rules", async () => {
    const { app, gatehouse } = await createTestServer({ claims: () => ({ exp: 0 }) });
    opened.push(gatehouse);
    const response = await login(app, "johndoe", "secret");
    expect(response.statusCode).toBe(500);
    expect(response.body).toEqual({
      error: "server_error",
      error_description: "Internal Server Error",
      detail: "Internal Server Error",
    });
    await app.close();
  });
});
