import { describe, expect, it } from "vitest";
import { call, createMfaServer, enrol, passwordToken } from "./mfa-harness.js";

describe("second factor enrolment", () => {
  it("enrols end to end: a pending secret with its otpauth URI and QR code, then a first code turns it on", async () => {
    const { app, gatehouse, codeAt } = await createMfaServer();
    const bearer = await passwordToken(app);
    expect((await call(app, "GET", "/users/me", bearer)).body?.mfa_enabled).toBe(false);

    const started = await call(app, "POST", "/users/me/mfa/totp", bearer, { current_password: "secret" });
    expect(started.status).toBe(200);
    expect(started.headers["cache-control"]).toBe("no-store");
    const secret = String(started.body?.secret);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(started.body?.otpauth_uri).toBe(`otpauth://totp/Gatehouse:johndoe?secret=${secret}&issuer=Gatehouse`);
    expect(String(started.body?.qr_svg)).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    // Nothing changes for the user until the first code.
    expect((await call(app, "GET", "/users/me", bearer)).body?.mfa_enabled).toBe(false);

    const confirmed = await call(app, "POST", "/users/me/mfa/totp/confirm", bearer, { code: await codeAt(secret) });
    expect(confirmed.status).toBe(200);
    const codes = confirmed.body?.recovery_codes as string[];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    expect((await call(app, "GET", "/users/me", bearer)).body?.mfa_enabled).toBe(true);
    const { events } = await gatehouse.audit.list({
      username: "johndoe",
      type: "mfa.enrolled",
      limit: 50,
      cursor: null,
    });
    expect(events).toHaveLength(1);
    await app.close();
  });

  it("refuses a wrong current password with 400 and stores no pending factor", async () => {
    const { app, store } = await createMfaServer();
    const bearer = await passwordToken(app);
    const started = await call(app, "POST", "/users/me/mfa/totp", bearer, { current_password: "not it" });
    expect(started.status).toBe(400);
    expect(started.body).toEqual({ detail: "Incorrect password" });
    expect(await store.findTotpFactor("johndoe")).toBeNull();
    await app.close();
  });

  it("refuses a wrong confirmation code with 400 and leaves the factor off", async () => {
    const { app, store } = await createMfaServer();
    const bearer = await passwordToken(app);
    await call(app, "POST", "/users/me/mfa/totp", bearer, { current_password: "secret" });
    const confirmed = await call(app, "POST", "/users/me/mfa/totp/confirm", bearer, { code: "000000" });
    expect(confirmed.status).toBe(400);
    expect(confirmed.body).toEqual({ detail: "The code is wrong or has been used already" });
    expect((await store.findTotpFactor("johndoe"))?.confirmedAt).toBeNull();
    expect((await call(app, "GET", "/users/me", bearer)).body?.mfa_enabled).toBe(false);
    await app.close();
  });

  it("answers 409 to a second enrolment while a factor is on", async () => {
    const { app, codeAt } = await createMfaServer();
    const bearer = await passwordToken(app);
    await enrol(app, bearer, codeAt);
    const again = await call(app, "POST", "/users/me/mfa/totp", bearer, { current_password: "secret" });
    expect(again.status).toBe(409);
    await app.close();
  });

  it("disables with the password and a code; the next login needs the password alone", async () => {
    const { app, gatehouse, codeAt, nextStep } = await createMfaServer();
    const bearer = await passwordToken(app);
    const { secret, recoveryCodes } = await enrol(app, bearer, codeAt);
    nextStep();
    const wrongCode = await call(app, "DELETE", "/users/me/mfa", bearer, {
      current_password: "secret",
      code: "123456",
    });
    expect(wrongCode.status).toBe(400);
    const wrongPassword = await call(app, "DELETE", "/users/me/mfa", bearer, {
      current_password: "nope",
      code: await codeAt(secret),
    });
    expect(wrongPassword.status).toBe(400);
    expect((await call(app, "GET", "/users/me", bearer)).body?.mfa_enabled).toBe(true);

    const removed = await call(app, "DELETE", "/users/me/mfa", bearer, {
      current_password: "secret",
      code: await codeAt(secret),
    });
    expect(removed.status).toBe(204);
    expect((await call(app, "GET", "/users/me", bearer)).body?.mfa_enabled).toBe(false);
    expect(await gatehouse.store.countRecoveryCodes("johndoe")).toBe(0);
    expect(recoveryCodes).toHaveLength(10);
    expect(typeof (await passwordToken(app))).toBe("string");
    const { events } = await gatehouse.audit.list({
      username: "johndoe",
      type: "mfa.removed",
      limit: 50,
      cursor: null,
    });
    expect(events).toHaveLength(1);
    await app.close();
  });

  it("disables with the password and a recovery code too", async () => {
    const { app, codeAt } = await createMfaServer();
    const bearer = await passwordToken(app);
    const { recoveryCodes } = await enrol(app, bearer, codeAt);
    const removed = await call(app, "DELETE", "/users/me/mfa", bearer, {
      current_password: "secret",
      code: String(recoveryCodes[3]).toUpperCase(),
    });
    expect(removed.status).toBe(204);
    await app.close();
  });

  it("lets an admin remove a user's factor (a lost phone)", async () => {
    const { app, gatehouse, codeAt } = await createMfaServer();
    const bearer = await passwordToken(app);
    await enrol(app, bearer, codeAt);
    const root = await passwordToken(app, "root", "rootpassword");
    expect((await call(app, "GET", "/users/johndoe", root)).body?.mfa_enabled).toBe(true);
    const removed = await call(app, "DELETE", "/users/johndoe/mfa", root);
    expect(removed.status).toBe(204);
    expect((await call(app, "GET", "/users/johndoe", root)).body?.mfa_enabled).toBe(false);
    expect((await call(app, "DELETE", "/users/nobody/mfa", root)).status).toBe(404);
    expect((await call(app, "DELETE", "/users/johndoe/mfa", bearer)).status).toBe(403);
    const [event] = (await gatehouse.audit.list({ username: "johndoe", type: "mfa.removed", limit: 50, cursor: null }))
      .events;
    expect(event?.actor).toBe("admin:root");
    await app.close();
  });

  it("answers 404 on the enrolment routes when second factors are off", async () => {
    const { app } = await createMfaServer({ mfa: "off" });
    const bearer = await passwordToken(app);
    expect((await call(app, "POST", "/users/me/mfa/totp", bearer, { current_password: "secret" })).status).toBe(404);
    expect((await call(app, "POST", "/users/me/mfa/totp/confirm", bearer, { code: "123456" })).status).toBe(404);
    await app.close();
  });
});
