import { describe, expect, it } from "vitest";
import { createFixedClock, isGatehouseError, JWKS_MAX_AGE_SECONDS } from "../../../src/core/index.js";
import { createTestGatehouse } from "../../support/fixtures.js";

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);

async function loginToken(gatehouse: Awaited<ReturnType<typeof createTestGatehouse>>["gatehouse"]) {
  const response = await gatehouse.handleTokenRequest(
    { username: "johndoe", password: "secret" },
    { clientAddress: "127.0.0.1" },
  );
  return response.access_token;
}

const kidOf = (token: string) =>
  JSON.parse(Buffer.from(token.split(".")[0] as string, "base64url").toString()).kid as string;

describe("signing keys", () => {
  it.each(["EdDSA", "ES256", "RS256"] as const)(
    "publishes the %s public key in the JWKS, never a private part",
    async (algorithm) => {
      const { gatehouse } = await createTestGatehouse({ algorithm });
      const { keys } = gatehouse.jwks();
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatchObject({ alg: algorithm, use: "sig", kid: expect.any(String) });
      expect(keys[0]).not.toHaveProperty("d");
      expect(keys[0]).not.toHaveProperty("p");
    },
  );

  it("publishes no keys for HS256", async () => {
    const { gatehouse } = await createTestGatehouse();
    expect(gatehouse.jwks()).toEqual({ keys: [] });
  });

  it("publishes a rotated-in key for the JWKS max-age before it signs with it", async () => {
    const clock = createFixedClock(NOW);
    const { gatehouse } = await createTestGatehouse({ algorithm: "EdDSA", clock });
    const old = await loginToken(gatehouse);
    const newKid = await gatehouse.rotateKeys();
    const jwksKids = () =>
      gatehouse
        .jwks()
        .keys.map((key) => key.kid)
        .sort();
    expect(jwksKids()).toEqual([kidOf(old), newKid].sort());
    expect(kidOf(await loginToken(gatehouse))).toBe(kidOf(old));
    clock.advance(JWKS_MAX_AGE_SECONDS * 1000 - 1);
    expect(kidOf(await loginToken(gatehouse))).toBe(kidOf(old));
    clock.advance(1);
    expect(kidOf(await loginToken(gatehouse))).toBe(newKid);
    expect(jwksKids()).toEqual([kidOf(old), newKid].sort());
  });

  it("keeps verifying tokens of a rotated-out key until they expire, then retires the key", async () => {
    const clock = createFixedClock(NOW);
    const { gatehouse } = await createTestGatehouse({ algorithm: "EdDSA", clock, accessTokenTtl: 600 });
    await gatehouse.rotateKeys();
    // The old key signs until the new one takes over: its last token is made then.
    clock.advance(JWKS_MAX_AGE_SECONDS * 1000 - 1);
    const last = await loginToken(gatehouse);
    clock.advance(1);
    const newKid = kidOf(await loginToken(gatehouse));
    expect(kidOf(last)).not.toBe(newKid);
    expect((await gatehouse.currentActiveUser(last, ["me"])).user.username).toBe("johndoe");

    // Past the TTL plus skew after it stopped signing, its tokens are all expired: the next rotation drops it.
    clock.advance((600 + 30) * 1000);
    await gatehouse.rotateKeys();
    expect(gatehouse.jwks().keys.map((key) => key.kid)).toContain(kidOf(last));
    clock.advance(1);
    await gatehouse.rotateKeys();
    expect(gatehouse.jwks().keys.map((key) => key.kid)).not.toContain(kidOf(last));
    await expect(gatehouse.currentActiveUser(last, ["me"])).rejects.toSatisfy((error) =>
      isGatehouseError(error, "invalid_token"),
    );
  });

  it("lists each key's state: next until it signs, then current, and the one it replaced retiring", async () => {
    const clock = createFixedClock(NOW);
    const { gatehouse } = await createTestGatehouse({ algorithm: "ES256", clock, accessTokenTtl: 600 });
    const [first] = await gatehouse.listKeys();
    expect(first).toMatchObject({ algorithm: "ES256", state: "current", signsFrom: NOW, signsUntil: null });
    const next = await gatehouse.rotateKeys("EdDSA");
    const signsFrom = NOW + JWKS_MAX_AGE_SECONDS * 1000;
    expect(await gatehouse.listKeys()).toEqual([
      { kid: next, algorithm: "EdDSA", state: "next", createdAt: NOW, signsFrom, signsUntil: null, retiresAt: null },
      {
        kid: first?.kid,
        algorithm: "ES256",
        state: "current",
        createdAt: NOW,
        signsFrom: NOW,
        signsUntil: signsFrom,
        retiresAt: signsFrom + 630_000,
      },
    ]);
    clock.set(signsFrom);
    expect((await gatehouse.listKeys()).map((key) => [key.kid, key.state])).toEqual([
      [next, "current"],
      [first?.kid, "retiring"],
    ]);
  });

  it("signs with the first key of a new store at once", async () => {
    const clock = createFixedClock(NOW);
    const { gatehouse } = await createTestGatehouse({ algorithm: "RS256", clock });
    expect(kidOf(await loginToken(gatehouse))).toBe(gatehouse.jwks().keys[0]?.kid);
  });

  it("refuses to rotate a key that comes from GATEHOUSE_SECRET_KEY", async () => {
    const { gatehouse } = await createTestGatehouse({ secretKey: "a shared secret with a FastAPI app" });
    await expect(gatehouse.rotateKeys()).rejects.toSatisfy((error) => isGatehouseError(error, "validation_failed"));
  });

  it("treats a change of algorithm as a rotation: tokens of the old key keep working", async () => {
    const clock = createFixedClock(NOW);
    const { gatehouse, store } = await createTestGatehouse({ clock });
    const hsToken = await loginToken(gatehouse);
    const { gatehouse: switched } = await createTestGatehouse({ store, clock, algorithm: "ES256" });
    expect(switched.notices).toEqual([expect.stringMatching(/^Published a new ES256 signing key .* it signs from /)]);
    clock.advance(JWKS_MAX_AGE_SECONDS * 1000);
    const esToken = await loginToken(switched);
    expect(JSON.parse(Buffer.from(esToken.split(".")[0] as string, "base64url").toString()).alg).toBe("ES256");
    expect((await switched.currentActiveUser(hsToken)).user.username).toBe("johndoe");
  });
});
