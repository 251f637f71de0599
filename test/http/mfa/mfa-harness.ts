import type { FastifyInstance } from "fastify";
import { generate } from "otplib";
import { createFixedClock, type GatehouseOptions } from "../../../src/core/index.js";
import { createTestServer } from "../../support/fixtures.js";

/** A moment well inside a 30-second step, so ±1 step is unambiguous. */
export const T0 = Date.UTC(2026, 0, 5, 12, 0, 10);

/** A test server on a frozen clock, with helpers for the two-step login. */
export async function createMfaServer(options: Partial<GatehouseOptions> = {}) {
  const clock = createFixedClock(T0);
  const { app, gatehouse, store } = await createTestServer({ clock, ...options });
  /** The TOTP code of `secret` at the clock's time plus `offsetSeconds`, computed as an authenticator app does. */
  const codeAt = (secret: string, offsetSeconds = 0) =>
    generate({ secret, epoch: Math.floor(clock.now() / 1000) + offsetSeconds });
  /** Moves the clock to a step no code was accepted in yet (replay protection remembers the last). */
  const nextStep = () => clock.advance(30_000);
  return { app, gatehouse, store, clock, codeAt, nextStep };
}

/** POST a form to /token. */
export async function token(app: FastifyInstance, fields: Record<string, string>) {
  const response = await app.inject({
    method: "POST",
    url: "/token",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams(fields).toString(),
  });
  return { status: response.statusCode, body: response.json() as Record<string, unknown>, raw: response.body };
}

/** A JSON request with a bearer token. */
export async function call(
  app: FastifyInstance,
  method: "GET" | "POST" | "DELETE",
  url: string,
  bearer: string,
  body?: unknown,
) {
  const response = await app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${bearer}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  return {
    status: response.statusCode,
    headers: response.headers,
    body: response.body === "" ? null : (response.json() as Record<string, unknown>),
    raw: response.body,
  };
}

/** The claims of a JWT, unverified (the server verified it). */
export function claimsOf(jwt: unknown): Record<string, unknown> {
  const payload = String(jwt).split(".")[1] ?? "";
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
}

/** Logs johndoe in with the password alone and returns the access token (no factor yet). */
export async function passwordToken(app: FastifyInstance, username = "johndoe", password = "secret") {
  const response = await token(app, { username, password });
  if (response.status !== 200) throw new Error(`login failed: ${response.raw}`);
  return String(response.body.access_token);
}

/** Enrols and confirms a factor for the user of `bearer`; returns the secret and the recovery codes. */
export async function enrol(
  app: FastifyInstance,
  bearer: string,
  codeAt: (secret: string, offset?: number) => Promise<string>,
  password = "secret",
) {
  const started = await call(app, "POST", "/users/me/mfa/totp", bearer, { current_password: password });
  if (started.status !== 200) throw new Error(`enrolment failed: ${started.raw}`);
  const secret = String(started.body?.secret);
  const confirmed = await call(app, "POST", "/users/me/mfa/totp/confirm", bearer, { code: await codeAt(secret) });
  if (confirmed.status !== 200) throw new Error(`confirmation failed: ${confirmed.raw}`);
  return { secret, recoveryCodes: confirmed.body?.recovery_codes as string[], enrolment: started.body };
}

/** The password step of a user with a factor: the mfa_token of the 403. */
export async function mfaTokenFor(app: FastifyInstance, username = "johndoe", password = "secret") {
  const response = await token(app, { username, password });
  if (response.status !== 403) throw new Error(`expected mfa_required: ${response.raw}`);
  return String(response.body.mfa_token);
}

export const OTP_GRANT = "urn:gatehouse:grant-type:mfa-otp";
export const RECOVERY_GRANT = "urn:gatehouse:grant-type:mfa-recovery-code";
