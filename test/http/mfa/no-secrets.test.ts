import { generate } from "otplib";
import { describe, expect, it } from "vitest";
import { createFixedClock } from "../../../src/core/index.js";
import { buildServer } from "../../../src/server/build-server.js";
import { createTestGatehouse } from "../../support/fixtures.js";
import { call, OTP_GRANT, RECOVERY_GRANT, T0, token } from "./mfa-harness.js";

describe("regression guard: no code, secret or recovery code leaves through logs, audit events or error bodies", () => {
  it("keeps every secret of a whole enrolment and two-step login out of the request log, the audit log and error bodies", async () => {
    const clock = createFixedClock(T0);
    const { gatehouse } = await createTestGatehouse({ clock });
    const lines: string[] = [];
    // Request logging on (trace, the most there is), as an operator debugging would run it.
    const app = await buildServer({ gatehouse, logLevel: "trace", logStream: { write: (line) => lines.push(line) } });
    const secrets: string[] = [];
    const errorBodies: string[] = [];
    const codeAt = (secret: string) => generate({ secret, epoch: Math.floor(clock.now() / 1000) });

    const login = await token(app, { username: "johndoe", password: "secret" });
    const bearer = String(login.body.access_token);
    const started = await call(app, "POST", "/users/me/mfa/totp", bearer, { current_password: "secret" });
    const secret = String(started.body?.secret);
    secrets.push(secret);
    errorBodies.push((await call(app, "POST", "/users/me/mfa/totp/confirm", bearer, { code: "111111" })).raw);
    const confirmCode = await codeAt(secret);
    secrets.push(confirmCode);
    const confirmed = await call(app, "POST", "/users/me/mfa/totp/confirm", bearer, { code: confirmCode });
    const recoveryCodes = confirmed.body?.recovery_codes as string[];
    secrets.push(...recoveryCodes);

    clock.advance(30_000);
    const first = await token(app, { username: "johndoe", password: "secret" });
    errorBodies.push(first.raw);
    const mfaToken = String(first.body.mfa_token);
    secrets.push(mfaToken);
    errorBodies.push((await token(app, { grant_type: OTP_GRANT, mfa_token: mfaToken, otp: "222222" })).raw);
    const loginCode = await codeAt(secret);
    secrets.push(loginCode);
    const second = await token(app, { grant_type: OTP_GRANT, mfa_token: mfaToken, otp: loginCode });
    expect(second.status).toBe(200);
    // The same code again, and a code a client wrongly put into the query string.
    const replayToken = String((await token(app, { username: "johndoe", password: "secret" })).body.mfa_token);
    secrets.push(replayToken);
    errorBodies.push((await token(app, { grant_type: OTP_GRANT, mfa_token: replayToken, otp: loginCode })).raw);
    await app.inject({ method: "POST", url: `/token?otp=${loginCode}&mfa_token=${replayToken}` });
    const recoveryToken = String((await token(app, { username: "johndoe", password: "secret" })).body.mfa_token);
    secrets.push(recoveryToken);
    const recovered = await token(app, {
      grant_type: RECOVERY_GRANT,
      mfa_token: recoveryToken,
      recovery_code: String(recoveryCodes[0]),
    });
    expect(recovered.status).toBe(200);
    errorBodies.push(
      (
        await call(app, "DELETE", "/users/me/mfa", String(second.body.access_token), {
          current_password: "secret",
          code: String(recoveryCodes[0]),
        })
      ).raw,
    );

    const events = JSON.stringify((await gatehouse.audit.list({ limit: 500, cursor: null })).events);
    expect(events).toContain("login.mfa_required");
    expect(events).toContain("mfa.recovery_code_used");
    expect(lines.length).toBeGreaterThan(10);
    const log = lines.join("\n");
    for (const value of secrets) {
      expect(log).not.toContain(value);
      expect(events).not.toContain(value);
      for (const body of errorBodies) {
        // The mfa_required body carries its own mfa_token by design, and nothing else secret.
        if (body === first.raw && value === mfaToken) continue;
        expect(body).not.toContain(value);
      }
    }
    // No sealed secret or code hash either.
    expect(log).not.toMatch(/v1\.[A-Za-z0-9_-]{16}\./);
    expect(events).not.toMatch(/v1\.[A-Za-z0-9_-]{16}\./);
    await app.close();
  });
});
