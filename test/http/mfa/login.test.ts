import { describe, expect, it } from "vitest";
import { throttleAddressKey } from "../../../src/core/throttle/client-address.js";
import { createMemoryAttemptStore } from "../../../src/core/throttle/memory-attempts.js";
import {
  call,
  claimsOf,
  createMfaServer,
  enrol,
  mfaTokenFor,
  OTP_GRANT,
  passwordToken,
  RECOVERY_GRANT,
  token,
} from "./mfa-harness.js";

/** A server where johndoe has a confirmed factor, the clock moved on past the confirming step. */
async function enrolled(options: Parameters<typeof createMfaServer>[0] = {}) {
  const server = await createMfaServer(options);
  const { secret, recoveryCodes } = await enrol(server.app, await passwordToken(server.app), server.codeAt);
  server.nextStep();
  return { ...server, secret, recoveryCodes };
}

describe("login with a second factor", () => {
  it("answers a correct password with 403 mfa_required and an mfa_token, recorded as login.mfa_required", async () => {
    const { app, gatehouse } = await enrolled();
    const response = await token(app, { username: "johndoe", password: "secret" });
    expect(response.status).toBe(403);
    expect(Object.keys(response.body).sort()).toEqual(["detail", "error", "error_description", "mfa_token"]);
    expect(response.body.error).toBe("mfa_required");
    expect(response.body.mfa_token).toMatch(/^gh_mfa_[A-Za-z0-9_-]{43}$/);
    expect(response.body.access_token).toBeUndefined();
    const page = await gatehouse.audit.list({
      username: "johndoe",
      type: "login.mfa_required",
      limit: 5,
      cursor: null,
    });
    expect(page.events).toHaveLength(1);
    // A wrong password is still the plain invalid_grant, with no hint of the factor.
    expect((await token(app, { username: "johndoe", password: "wrong" })).body.error).toBe("invalid_grant");
    await app.close();
  });

  it("gives the tokens for the mfa_token and a TOTP code: amr pwd+otp, whole-second auth_time, the login's scopes", async () => {
    const { app, clock, secret, codeAt } = await enrolled();
    const mfaToken = await mfaTokenFor(app);
    const response = await token(app, { grant_type: OTP_GRANT, mfa_token: mfaToken, otp: await codeAt(secret) });
    expect(response.status).toBe(200);
    expect(response.body.scope).toBe("me");
    expect(typeof response.body.refresh_token).toBe("string");
    const claims = claimsOf(response.body.access_token);
    expect(claims.amr).toEqual(["pwd", "otp"]);
    expect(claims.auth_time).toBe(Math.floor(clock.now() / 1000));
    const me = await call(app, "GET", "/users/me", String(response.body.access_token));
    expect(me.status).toBe(200);
    await app.close();
  });

  it("refuses a code replayed within its window, even on a fresh mfa_token", async () => {
    const { app, secret, codeAt } = await enrolled();
    const code = await codeAt(secret);
    expect((await token(app, { grant_type: OTP_GRANT, mfa_token: await mfaTokenFor(app), otp: code })).status).toBe(
      200,
    );
    const replay = await token(app, { grant_type: OTP_GRANT, mfa_token: await mfaTokenFor(app), otp: code });
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe("invalid_grant");
    await app.close();
  });

  it("accepts ±1 step of clock drift and refuses ±2 steps", async () => {
    const { app, secret, codeAt, clock } = await enrolled();
    const attempt = async (offsetSeconds: number) => {
      // Far past every step used so far: only drift decides.
      clock.advance(10 * 60_000);
      const otp = await codeAt(secret, offsetSeconds);
      return (await token(app, { grant_type: OTP_GRANT, mfa_token: await mfaTokenFor(app), otp })).status;
    };
    expect(await attempt(-30)).toBe(200);
    expect(await attempt(30)).toBe(200);
    expect(await attempt(-60)).toBe(400);
    expect(await attempt(60)).toBe(400);
    await app.close();
  });

  it("kills the mfa_token after 5 wrong codes: the right code then fails too", async () => {
    const { app, gatehouse, secret, codeAt } = await enrolled();
    const mfaToken = await mfaTokenFor(app);
    for (let i = 0; i < 5; i++) {
      const wrong = await token(app, { grant_type: OTP_GRANT, mfa_token: mfaToken, otp: "000000" });
      expect(wrong.status).toBe(400);
      expect(wrong.body.error).toBe("invalid_grant");
    }
    const right = await token(app, { grant_type: OTP_GRANT, mfa_token: mfaToken, otp: await codeAt(secret) });
    expect(right.status).toBe(400);
    const failures = await gatehouse.audit.list({ username: "johndoe", type: "login.failed", limit: 10, cursor: null });
    expect(failures.events.filter((event) => event.details.reason === "mfa")).toHaveLength(5);
    await app.close();
  });

  it("binds the mfa_token to the address and the client of the password step", async () => {
    const { app, secret, codeAt } = await enrolled();
    const mfaToken = await mfaTokenFor(app);
    const elsewhere = await app.inject({
      method: "POST",
      url: "/token",
      remoteAddress: "203.0.113.9",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({
        grant_type: OTP_GRANT,
        mfa_token: mfaToken,
        otp: await codeAt(secret),
      }).toString(),
    });
    expect(elsewhere.statusCode).toBe(400);
    const otherClient = await token(app, {
      grant_type: OTP_GRANT,
      mfa_token: mfaToken,
      otp: await codeAt(secret),
      client_id: "other",
    });
    expect(otherClient.status).toBe(400);
    await app.close();
  });

  it("accepts a recovery code once (amr pwd+mfa), recorded as mfa.recovery_code_used", async () => {
    const { app, gatehouse, recoveryCodes } = await enrolled();
    const code = String(recoveryCodes[0]);
    const first = await token(app, {
      grant_type: RECOVERY_GRANT,
      mfa_token: await mfaTokenFor(app),
      recovery_code: code,
    });
    expect(first.status).toBe(200);
    expect(claimsOf(first.body.access_token).amr).toEqual(["pwd", "mfa"]);
    const again = await token(app, {
      grant_type: RECOVERY_GRANT,
      mfa_token: await mfaTokenFor(app),
      recovery_code: code,
    });
    expect(again.status).toBe(400);
    expect(await gatehouse.store.countRecoveryCodes("johndoe")).toBe(9);
    const used = await gatehouse.audit.list({
      username: "johndoe",
      type: "mfa.recovery_code_used",
      limit: 5,
      cursor: null,
    });
    expect(used.events).toHaveLength(1);
    await app.close();
  });

  it("regenerates recovery codes only for a token with a second factor; the old codes die", async () => {
    const { app, secret, codeAt, recoveryCodes } = await enrolled();
    const withOtp = await token(app, {
      grant_type: OTP_GRANT,
      mfa_token: await mfaTokenFor(app),
      otp: await codeAt(secret),
    });
    const fresh = await call(app, "POST", "/users/me/mfa/recovery-codes", String(withOtp.body.access_token));
    expect(fresh.status).toBe(200);
    const newCodes = fresh.body?.recovery_codes as string[];
    expect(newCodes).toHaveLength(10);
    const old = await token(app, {
      grant_type: RECOVERY_GRANT,
      mfa_token: await mfaTokenFor(app),
      recovery_code: String(recoveryCodes[1]),
    });
    expect(old.status).toBe(400);
    const renewed = await token(app, {
      grant_type: RECOVERY_GRANT,
      mfa_token: await mfaTokenFor(app),
      recovery_code: String(newCodes[0]),
    });
    expect(renewed.status).toBe(200);
    await app.close();
  });

  it("keeps the session's amr across refreshes and shows it in the sessions list", async () => {
    const { app, secret, codeAt } = await enrolled();
    const login = await token(app, {
      grant_type: OTP_GRANT,
      mfa_token: await mfaTokenFor(app),
      otp: await codeAt(secret),
    });
    const refreshed = await token(app, {
      grant_type: "refresh_token",
      refresh_token: String(login.body.refresh_token),
    });
    expect(refreshed.status).toBe(200);
    const claims = claimsOf(refreshed.body.access_token);
    expect(claims.amr).toEqual(["pwd", "otp"]);
    expect(claims.auth_time).toBe(claimsOf(login.body.access_token).auth_time);
    const sessions = await call(app, "GET", "/users/me/sessions", String(refreshed.body.access_token));
    const listed = (sessions.body?.sessions ?? []) as Array<Record<string, unknown>>;
    const current = listed.find((session) => session.current);
    expect(current?.amr).toEqual(["pwd", "otp"]);
    await app.close();
  });

  it("keeps the second factor in the new session a password change begins", async () => {
    const { app, secret, codeAt } = await enrolled();
    const login = await token(app, {
      grant_type: OTP_GRANT,
      mfa_token: await mfaTokenFor(app),
      otp: await codeAt(secret),
    });
    const changed = await call(app, "POST", "/users/me/password", String(login.body.access_token), {
      current_password: "secret",
      new_password: "a new long secret",
    });
    expect(changed.status).toBe(200);
    expect(claimsOf(changed.body?.access_token).amr).toEqual(["pwd", "otp"]);
    const refreshed = await token(app, {
      grant_type: "refresh_token",
      refresh_token: String(changed.body?.refresh_token),
    });
    expect(claimsOf(refreshed.body.access_token).amr).toEqual(["pwd", "otp"]);
    await app.close();
  });

  it("gives password-only tokens amr pwd", async () => {
    const { app } = await createMfaServer();
    expect(claimsOf(await passwordToken(app)).amr).toEqual(["pwd"]);
    await app.close();
  });

  it.each([
    [{ grant_type: OTP_GRANT, otp: "123456" }, "invalid_request"],
    [{ grant_type: OTP_GRANT, mfa_token: "gh_mfa_x" }, "invalid_request"],
    [{ grant_type: OTP_GRANT, mfa_token: "not a token", otp: "123456" }, "invalid_grant"],
    [
      { grant_type: RECOVERY_GRANT, mfa_token: `gh_mfa_${"a".repeat(43)}`, recovery_code: "abcde-fghjk" },
      "invalid_grant",
    ],
  ])("answers malformed or unknown second steps %j with 400 %s", async (fields, error) => {
    const { app } = await createMfaServer();
    const response = await token(app, fields as Record<string, string>);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe(error);
    await app.close();
  });

  it("counts an address as one the user logged in from only after the code, not after the password", async () => {
    const knownLogins = createMemoryAttemptStore();
    const { app, clock, secret, codeAt } = await enrolled({ throttle: { knownLogins } });
    const address = "198.51.100.20";
    const known = async () =>
      (await knownLogins.get([`k|johndoe|${throttleAddressKey(address, 64)}`], clock.now()))[0] !== null;
    const form = (fields: Record<string, string>) =>
      app.inject({
        method: "POST",
        url: "/token",
        remoteAddress: address,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams(fields).toString(),
      });
    const first = await form({ username: "johndoe", password: "secret" });
    expect(first.statusCode).toBe(403);
    expect(await known()).toBe(false);
    const second = await form({ grant_type: OTP_GRANT, mfa_token: first.json().mfa_token, otp: await codeAt(secret) });
    expect(second.statusCode).toBe(200);
    expect(await known()).toBe(true);
    await app.close();
  });

  it("lists both second-factor grants in the metadata", async () => {
    const { app } = await createMfaServer();
    const metadata = (await app.inject({ url: "/.well-known/oauth-authorization-server" })).json();
    expect(metadata.grant_types_supported).toEqual(expect.arrayContaining([OTP_GRANT, RECOVERY_GRANT]));
    const openapi = (await app.inject({ url: "/openapi.json" })).body;
    expect(openapi).toContain(OTP_GRANT);
    await app.close();
  });
});
