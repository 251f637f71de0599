import type { FastifyInstance } from "fastify";
import { describe, expect, it } from "vitest";
import { createMfaServer, enrol, OTP_GRANT, passwordToken } from "./mfa-harness.js";

const NEW_ADDRESS = "198.51.100.50";

/** POST /token from a given client address. */
async function tokenFrom(app: FastifyInstance, address: string, fields: Record<string, string>) {
  const response = await app.inject({
    method: "POST",
    url: "/token",
    remoteAddress: address,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams(fields).toString(),
  });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
}

/** A hundred wrong passwords for johndoe, ten from each of ten addresses: the username is under attack. */
async function attack(app: FastifyInstance): Promise<void> {
  for (let a = 1; a <= 10; a++) {
    for (let n = 0; n < 10; n++) {
      const response = await tokenFrom(app, `203.0.113.${a}`, { username: "johndoe", password: `wrong ${a}-${n}` });
      expect([400, 429]).toContain(response.status);
    }
  }
}

describe("a username under attack, for a user with a second factor", () => {
  it("lets a new address through with the factor: the password step asks for it, the code logs in and makes the address known", async () => {
    const { app, store, clock, secret, codeAt } = await (async () => {
      const server = await createMfaServer();
      const { secret } = await enrol(server.app, await passwordToken(server.app), server.codeAt);
      server.nextStep();
      return { ...server, secret };
    })();
    await attack(app);

    // A stranger without the password learns nothing new at a new address.
    expect([400, 429]).toContain(
      (await tokenFrom(app, NEW_ADDRESS, { username: "johndoe", password: "guess" })).status,
    );

    // The owner's password at a new address leads to the second step instead of a 429...
    const step = await tokenFrom(app, NEW_ADDRESS, { username: "johndoe", password: "secret" });
    expect(step.status).toBe(403);
    expect(step.body.error).toBe("mfa_required");
    // ...and the code gets through the username's limit.
    const login = await tokenFrom(app, NEW_ADDRESS, {
      grant_type: OTP_GRANT,
      mfa_token: String(step.body.mfa_token),
      otp: await codeAt(secret),
    });
    expect(login.status).toBe(200);
    expect(typeof login.body.access_token).toBe("string");

    // The address is one the owner logged in from now. Without the factor (removed, say, after a
    // lost phone) the password alone works there, and still not at another new address.
    expect(await store.deleteMfa("johndoe", clock.now())).toBe(true);
    expect((await tokenFrom(app, NEW_ADDRESS, { username: "johndoe", password: "secret" })).status).toBe(200);
    expect((await tokenFrom(app, "198.51.100.77", { username: "johndoe", password: "secret" })).status).toBe(429);
    await app.close();
  });

  it("still refuses a new address with 429 for a user with neither a factor nor a verified e-mail", async () => {
    const { app } = await createMfaServer();
    await attack(app);
    const refused = await tokenFrom(app, NEW_ADDRESS, { username: "johndoe", password: "secret" });
    expect(refused.status).toBe(429);
    await app.close();
  });
});
