import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAccountServer, passwordLogin, postJson } from "../../support/account-server.js";
import { type SmtpReceiver, startSmtpReceiver } from "../../support/smtp-receiver.js";

let smtp: SmtpReceiver;
beforeAll(async () => {
  smtp = await startSmtpReceiver();
});
afterAll(() => smtp.close());

describe("POST /register", () => {
  let server: Awaited<ReturnType<typeof createAccountServer>>;
  afterEach(() => server.close());

  it("is 404 while registration is closed (the default)", async () => {
    server = await createAccountServer({ smtpUrl: smtp.url });
    const response = await postJson(server.app, "/register", {
      username: "newbie",
      email: "newbie@example.com",
      password: "long enough password",
    });
    expect(response.statusCode).toBe(404);
    expect(await server.gatehouse.users.get("newbie")).toBeNull();
  });

  it("creates an unverified user with scope me, 409 for a taken name, 422 under the policy", async () => {
    server = await createAccountServer({ smtpUrl: smtp.url, registration: "open" });
    const created = await postJson(server.app, "/register", {
      username: "Newbie",
      email: "newbie@example.com",
      password: "long enough password",
      full_name: "New Bie",
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({
      username: "Newbie",
      mfa_enabled: false,
      email: "newbie@example.com",
      email_verified: false,
      full_name: "New Bie",
      disabled: false,
      scopes: ["me"],
    });
    const taken = await postJson(server.app, "/register", {
      username: "JOHNDOE",
      email: "x@example.com",
      password: "long enough password",
    });
    expect(taken.statusCode).toBe(409);
    const short = await postJson(server.app, "/register", {
      username: "shorty",
      email: "s@example.com",
      password: "short",
    });
    expect(short.statusCode).toBe(422);
    expect(JSON.stringify(short.json())).toContain("at least 8");
    const events = await server.gatehouse.audit.list({ limit: 10, cursor: null, type: "user.registered" });
    expect(events.events.map((event) => [event.username, event.actor, event.ip])).toEqual([
      ["Newbie", "self", "192.0.2.10"],
    ]);
  });

  it("throttles registrations per address (429 with Retry-After), other addresses unaffected", async () => {
    server = await createAccountServer({ smtpUrl: smtp.url, registration: "open" });
    const register = (n: number, address: string) =>
      postJson(
        server.app,
        "/register",
        { username: `bulk${n}`, email: `bulk${n}@example.com`, password: "long enough password" },
        { address },
      );
    for (let n = 0; n < 10; n++) expect((await register(n, "198.51.100.1")).statusCode).toBe(201);
    const refused = await register(10, "198.51.100.1");
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    expect(await server.gatehouse.users.get("bulk10")).toBeNull();
    expect((await register(11, "198.51.100.2")).statusCode).toBe(201);
  });

  it("mails a verification link that verifies the address once (through real SMTP)", async () => {
    server = await createAccountServer({ smtpUrl: smtp.url, registration: "open" });
    const since = smtp.mails.length;
    await postJson(server.app, "/register", {
      username: "verifyme",
      email: "verifyme@example.com",
      password: "long enough password",
    });
    const mail = await smtp.waitFor((m) => m.to.includes("verifyme@example.com"), 15_000, since);
    expect(mail.subject).toBe("Confirm your e-mail address");
    expect(mail.link).toMatch(/^https:\/\/app\.example\.com\/verify-email\?token=[A-Za-z0-9_-]{43}$/);
    expect(mail.html).toContain(mail.link);
    const verified = await postJson(server.app, "/email/verify", { token: mail.token });
    expect(verified.statusCode).toBe(200);
    expect(verified.json()).toMatchObject({ username: "verifyme", email_verified: true });
    const again = await postJson(server.app, "/email/verify", { token: mail.token });
    expect(again.statusCode).toBe(400);
    expect(again.json()).toEqual({ detail: "Invalid or expired token" });
    const types = (await server.gatehouse.audit.list({ limit: 20, cursor: null, username: "verifyme" })).events.map(
      (event) => event.type,
    );
    expect(types).toEqual(expect.arrayContaining(["email.verification_sent", "email.verified"]));
  });
});

describe("GATEHOUSE_REQUIRE_VERIFIED_EMAIL", () => {
  let server: Awaited<ReturnType<typeof createAccountServer>>;
  afterEach(() => server.close());

  it("refuses the login of an unverified user with invalid_grant, and lets them in once verified", async () => {
    server = await createAccountServer({ smtpUrl: smtp.url, registration: "open", requireVerifiedEmail: true });
    const since = smtp.mails.length;
    await postJson(server.app, "/register", {
      username: "strict",
      email: "strict@example.com",
      password: "long enough password",
    });
    const refused = await passwordLogin(server.app, "strict", "long enough password");
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ error: "invalid_grant" });
    expect(refused.json().error_description).toMatch(/not verified/);
    // A wrong password still says only that.
    expect((await passwordLogin(server.app, "strict", "wrong password")).json().error_description).toBe(
      "Incorrect username or password",
    );
    const mail = await smtp.waitFor((m) => m.to.includes("strict@example.com"), 15_000, since);
    expect((await postJson(server.app, "/email/verify", { token: mail.token })).statusCode).toBe(200);
    expect((await passwordLogin(server.app, "strict", "long enough password")).statusCode).toBe(200);
  });

  it("lets an admin mark an e-mail verified (PATCH /users/{username}) and create verified users", async () => {
    server = await createAccountServer({ smtpUrl: smtp.url, requireVerifiedEmail: true });
    await server.gatehouse.users.update("root", { emailVerified: true });
    const admin = (await passwordLogin(server.app, "root", "rootpassword")).json().access_token as string;
    expect((await passwordLogin(server.app, "johndoe", "secret")).statusCode).toBe(400);
    const patched = await server.app.inject({
      method: "PATCH",
      url: "/users/johndoe",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      payload: JSON.stringify({ email_verified: true }),
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().email_verified).toBe(true);
    expect((await passwordLogin(server.app, "johndoe", "secret")).statusCode).toBe(200);
    const created = await postJson(
      server.app,
      "/users",
      { username: "made", email: "made@example.com", password: "long enough password", email_verified: true },
      { token: admin },
    );
    expect(created.json().email_verified).toBe(true);
  });
});

describe("e-mail changes", () => {
  let server: Awaited<ReturnType<typeof createAccountServer>>;
  afterEach(() => server.close());

  it("PATCH /users/me with a new e-mail makes it unverified and mails a link to the new address", async () => {
    server = await createAccountServer({ smtpUrl: smtp.url });
    await server.gatehouse.users.update("johndoe", { emailVerified: true });
    const token = (await passwordLogin(server.app, "johndoe", "secret")).json().access_token as string;
    const since = smtp.mails.length;
    const patched = await server.app.inject({
      method: "PATCH",
      url: "/users/me",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      payload: JSON.stringify({ email: "john.new@example.com" }),
    });
    expect(patched.json()).toMatchObject({ email: "john.new@example.com", email_verified: false });
    const mail = await smtp.waitFor((m) => m.to.includes("john.new@example.com"), 15_000, since);
    const me = await server.app.inject({
      method: "GET",
      url: "/users/me",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(me.json().email_verified).toBe(false);
    expect((await postJson(server.app, "/email/verify", { token: mail.token })).json().email_verified).toBe(true);
  });

  it("POST /email/verify/resend answers 202 and sends a fresh link; the older one dies", async () => {
    server = await createAccountServer({ smtpUrl: smtp.url });
    const token = (await passwordLogin(server.app, "johndoe", "secret")).json().access_token as string;
    const since = smtp.mails.length;
    const first = await postJson(server.app, "/email/verify/resend", {}, { token });
    expect(first.statusCode).toBe(202);
    const mail1 = await smtp.waitFor((m) => m.to.includes("johndoe@example.com"), 15_000, since);
    await postJson(server.app, "/email/verify/resend", {}, { token });
    const mail2 = await smtp.waitFor(
      (m) => m.to.includes("johndoe@example.com") && m.token !== mail1.token,
      15_000,
      since,
    );
    expect((await postJson(server.app, "/email/verify", { token: mail1.token })).statusCode).toBe(400);
    expect((await postJson(server.app, "/email/verify", { token: mail2.token })).statusCode).toBe(200);
  });

  it("a link stops working once the e-mail it was sent to is changed", async () => {
    server = await createAccountServer({ smtpUrl: smtp.url });
    const token = (await passwordLogin(server.app, "johndoe", "secret")).json().access_token as string;
    const since = smtp.mails.length;
    await postJson(server.app, "/email/verify/resend", {}, { token });
    const mail = await smtp.waitFor((m) => m.to.includes("johndoe@example.com"), 15_000, since);
    await server.gatehouse.users.update("johndoe", { email: "elsewhere@example.com" });
    expect((await postJson(server.app, "/email/verify", { token: mail.token })).statusCode).toBe(400);
  });
});
