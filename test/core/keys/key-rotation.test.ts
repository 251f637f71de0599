import { describe, expect, it } from "vitest";
import { createFixedClock, isGatehouseError } from "../../../src/core/index.js";
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

  it("keeps verifying tokens of a rotated-out key until they expire, then retires the key", async () => {
    const clock = createFixedClock(NOW);
    const { gatehouse } = await createTestGatehouse({ algorithm: "EdDSA", clock, accessTokenTtl: 600 });
    const old = await loginToken(gatehouse);
    const newKid = await gatehouse.rotateKeys();
    const fresh = await loginToken(gatehouse);
    expect(kidOf(fresh)).toBe(newKid);
    expect(kidOf(old)).not.toBe(newKid);
    expect(
      gatehouse
        .jwks()
        .keys.map((key) => key.kid)
        .sort(),
    ).toEqual([kidOf(old), newKid].sort());
    expect((await gatehouse.currentActiveUser(old, ["me"])).user.username).toBe("johndoe");

    // Past the TTL plus skew the old key's tokens are all expired: the next rotation drops it.
    clock.advance((600 + 30 + 1) * 1000);
    await gatehouse.rotateKeys();
    expect(gatehouse.jwks().keys.map((key) => key.kid)).not.toContain(kidOf(old));
    await expect(gatehouse.currentActiveUser(old, ["me"])).rejects.toSatisfy((error) =>
      isGatehouseError(error, "invalid_token"),
    );
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
    const esToken = await loginToken(switched);
    expect(JSON.parse(Buffer.from(esToken.split(".")[0] as string, "base64url").toString()).alg).toBe("ES256");
    expect((await switched.currentActiveUser(hsToken)).user.username).toBe("johndoe");
  });
});
