import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createFixedClock } from "../../../src/core/index.js";
import { createAccountServer, passwordLogin, postJson } from "../../support/account-server.js";
import { type SmtpReceiver, startSmtpReceiver } from "../../support/smtp-receiver.js";

let smtp: SmtpReceiver;
let server: Awaited<ReturnType<typeof createAccountServer>>;
beforeAll(async () => {
  smtp = await startSmtpReceiver();
});
afterAll(() => smtp.close());
afterEach(() => server.close());

const forgot = (body: unknown, address = "192.0.2.10") => postJson(server.app, "/password/forgot", body, { address });

/** Asks for a reset of johndoe and returns the mailed token. */
async function resetToken(body: unknown = { username: "johndoe" }): Promise<string> {
  const since = smtp.mails.length;
  expect((await forgot(body)).statusCode).toBe(202);
  const mail = await smtp.waitFor(
    (m) => m.to.includes("johndoe@example.com") && m.subject === "Reset your password",
    15_000,
    since,
  );
  expect(mail.link).toMatch(/^https:\/\/app\.example\.com\/reset-password\?token=/);
  return mail.token as string;
}

describe("POST /password/forgot", () => {
  it("gives the same status, body and headers for an existing, missing, disabled and unverified account", async () => {
    server = await createAccountServer({ smtpUrl: smtp.url });
    await server.gatehouse.users.update("root", { emailVerified: true });
    // root: verified; johndoe: unverified; alice: disabled; ghost: missing.
    const replies = [];
    for (const username of ["root", "johndoe", "alice", "ghost"]) {
      const response = await forgot({ username }, `203.0.113.${replies.length + 1}`);
      replies.push({ status: response.statusCode, body: response.body, headers: stableHeaders(response.headers) });
    }
    for (const reply of replies) expect(reply).toEqual(replies[0]);
    expect(replies[0]).toMatchObject({
      status: 202,
      body: JSON.stringify({ detail: "If the account exists, a reset link has been sent" }),
    });
    await server.gatehouse.accounts.idle();
    // Mail went only to the accounts that can reset: the enabled ones.
    expect(smtp.to("root@example.com").length + smtp.to("johndoe@example.com").length).toBeGreaterThanOrEqual(2);
    expect(smtp.to("alicechains@example.com")).toEqual([]);
  });

  it("finds the account by e-mail too, case-insensitively", async () => {
    server = await createAccountServer({ smtpUrl: smtp.url });
    const token = await resetToken({ email: "JohnDoe@Example.com" });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("sends at most 3 mails per account per hour, answering 202 all the same", async () => {
    const clock = createFixedClock(Date.parse("2026-01-01T00:00:00Z"));
    server = await createAccountServer({ smtpUrl: smtp.url, clock });
    const before = smtp.to("johndoe@example.com").length;
    for (let n = 0; n < 5; n++) expect((await forgot({ username: "johndoe" }, `198.51.100.${n}`)).statusCode).toBe(202);
    await server.gatehouse.accounts.idle();
    expect(smtp.to("johndoe@example.com").length - before).toBe(3);
    clock.advance(3600_000);
    expect((await forgot({ username: "johndoe" }, "198.51.100.9")).statusCode).toBe(202);
    await server.gatehouse.accounts.idle();
    expect(smtp.to("johndoe@example.com").length - before).toBe(4);
  });

  it("throttles one address (429 for every account alike)", async () => {
    server = await createAccountServer({ smtpUrl: smtp.url });
    for (let n = 0; n < 10; n++) expect((await forgot({ username: `user${n}` }, "198.51.100.77")).statusCode).toBe(202);
    const refused = await forgot({ username: "johndoe" }, "198.51.100.77");
    expect(refused.statusCode).toBe(429);
    expect(refused.headers["retry-after"]).toBeDefined();
  });

  it("is not there without mail", async () => {
    server = await createAccountServer();
    expect((await forgot({ username: "johndoe" })).statusCode).toBe(404);
  });
});

describe("POST /password/reset", () => {
  it("sets the new password: the old one is refused and every earlier token and session ends", async () => {
    server = await createAccountServer({ smtpUrl: smtp.url });
    const before = (await passwordLogin(server.app, "johndoe", "secret")).json();
    const token = await resetToken();
    const reset = await postJson(server.app, "/password/reset", { token, new_password: "a brand new password" });
    expect(reset.statusCode).toBe(200);
    expect((await passwordLogin(server.app, "johndoe", "secret")).statusCode).toBe(400);
    expect((await passwordLogin(server.app, "johndoe", "a brand new password")).statusCode).toBe(200);
    const me = await server.app.inject({
      method: "GET",
      url: "/users/me",
      headers: { authorization: `Bearer ${before.access_token}` },
    });
    expect(me.statusCode).toBe(401);
    const refreshed = await server.app.inject({
      method: "POST",
      url: "/token",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ grant_type: "refresh_token", refresh_token: before.refresh_token }).toString(),
    });
    expect(refreshed.statusCode).toBe(400);
    // The link reached the mailbox: the address counts as verified now.
    expect((await server.gatehouse.users.get("johndoe"))?.emailVerified).toBe(true);
    const types = (await server.gatehouse.audit.list({ limit: 50, cursor: null, username: "johndoe" })).events.map(
      (event) => event.type,
    );
    expect(types).toEqual(expect.arrayContaining(["password.reset_requested", "password.reset"]));
  });

  it("works once", async () => {
    server = await createAccountServer({ smtpUrl: smtp.url });
    const token = await resetToken();
    expect(
      (await postJson(server.app, "/password/reset", { token, new_password: "first new password" })).statusCode,
    ).toBe(200);
    const again = await postJson(server.app, "/password/reset", { token, new_password: "second new password" });
    expect(again.statusCode).toBe(400);
    expect(again.json()).toEqual({ detail: "Invalid or expired token" });
  });

  it("keeps the link when the new password breaks the policy", async () => {
    server = await createAccountServer({ smtpUrl: smtp.url });
    const token = await resetToken();
    expect((await postJson(server.app, "/password/reset", { token, new_password: "short" })).statusCode).toBe(422);
    expect((await postJson(server.app, "/password/reset", { token, new_password: "long enough now" })).statusCode).toBe(
      200,
    );
  });

  it("kills an older link when a newer one is issued", async () => {
    server = await createAccountServer({ smtpUrl: smtp.url });
    const older = await resetToken();
    const newer = await resetToken();
    expect(newer).not.toBe(older);
    expect(
      (await postJson(server.app, "/password/reset", { token: older, new_password: "new password 1" })).statusCode,
    ).toBe(400);
    expect(
      (await postJson(server.app, "/password/reset", { token: newer, new_password: "new password 2" })).statusCode,
    ).toBe(200);
  });

  it("kills the link when the password is changed another way", async () => {
    server = await createAccountServer({ smtpUrl: smtp.url });
    const token = await resetToken();
    await server.gatehouse.users.setPassword("johndoe", "changed by an admin");
    expect((await postJson(server.app, "/password/reset", { token, new_password: "new password 3" })).statusCode).toBe(
      400,
    );
  });

  it("expires after 30 minutes (injected clock)", async () => {
    const clock = createFixedClock(Date.parse("2026-01-01T00:00:00Z"));
    server = await createAccountServer({ smtpUrl: smtp.url, clock });
    const early = await resetToken();
    clock.advance(30 * 60_000 - 1);
    expect(
      (await postJson(server.app, "/password/reset", { token: early, new_password: "just in time" })).statusCode,
    ).toBe(200);
    const late = await resetToken();
    clock.advance(30 * 60_000);
    expect(
      (await postJson(server.app, "/password/reset", { token: late, new_password: "too late now" })).statusCode,
    ).toBe(400);
    expect((await passwordLogin(server.app, "johndoe", "just in time")).statusCode).toBe(200);
  });

  it.each([["not-a-token"], ["A".repeat(43)], [""]])(
    "refuses %j with 400 or 422 and changes nothing",
    async (token) => {
      server = await createAccountServer({ smtpUrl: smtp.url });
      const response = await postJson(server.app, "/password/reset", { token, new_password: "whatever password" });
      expect([400, 422]).toContain(response.statusCode);
      expect((await passwordLogin(server.app, "johndoe", "secret")).statusCode).toBe(200);
    },
  );

  it("throttles bad tokens per address", async () => {
    server = await createAccountServer({ smtpUrl: smtp.url });
    for (let n = 0; n < 30; n++) {
      const response = await postJson(
        server.app,
        "/password/reset",
        { token: `${"B".repeat(42)}${n % 10}`, new_password: "whatever password" },
        { address: "198.51.100.200" },
      );
      expect(response.statusCode).toBe(400);
    }
    const refused = await postJson(
      server.app,
      "/password/reset",
      { token: "C".repeat(43), new_password: "whatever password" },
      { address: "198.51.100.200" },
    );
    expect(refused.statusCode).toBe(429);
  });
});

/** The headers a reply carries, without the ones that differ per request by nature (date, request id). */
function stableHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const { date: _date, "x-request-id": _id, ...rest } = headers;
  return rest;
}
