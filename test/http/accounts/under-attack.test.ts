import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAccountServer, passwordLogin, postJson } from "../../support/account-server.js";
import { type SmtpReceiver, startSmtpReceiver } from "../../support/smtp-receiver.js";

let smtp: SmtpReceiver;
let server: Awaited<ReturnType<typeof createAccountServer>>;
beforeAll(async () => {
  smtp = await startSmtpReceiver();
});
afterAll(() => smtp.close());
afterEach(() => server.close());

const OWNER_ADDRESS = "192.0.2.1";
const NEW_ADDRESS = "198.51.100.50";

/** A hundred wrong passwords for `username`, ten from each of ten addresses. */
async function attack(username: string): Promise<void> {
  for (let a = 1; a <= 10; a++) {
    await Promise.all(
      Array.from({ length: 10 }, async (_, n) => {
        const response = await passwordLogin(server.app, username, `wrong guess ${a}-${n}`, `203.0.113.${a}`);
        expect(response.statusCode).toBe(400);
      }),
    );
  }
}

describe("a username under attack", () => {
  it("lets the owner in from a known address, and from a new one through the mailed unlock link", async () => {
    server = await createAccountServer({ smtpUrl: smtp.url });
    await server.gatehouse.users.update("johndoe", { emailVerified: true });
    expect((await passwordLogin(server.app, "johndoe", "secret", OWNER_ADDRESS)).statusCode).toBe(200);
    const since = smtp.mails.length;
    await attack("johndoe");

    // The owner's usual address is unaffected.
    expect((await passwordLogin(server.app, "johndoe", "secret", OWNER_ADDRESS)).statusCode).toBe(200);
    // A stranger with a wrong password at a new address learns nothing new: still a plain failure or 429.
    expect([400, 429]).toContain(
      (await passwordLogin(server.app, "johndoe", "still wrong", "198.51.100.99")).statusCode,
    );

    const blocked = await passwordLogin(server.app, "johndoe", "secret", NEW_ADDRESS);
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers["retry-after"])).toBeGreaterThan(0);
    expect(blocked.json().detail).toMatch(/unlock link has been sent/);
    const unlockMail = await smtp.waitFor((m) => m.subject === "Log in from a new place", 15_000, since);
    expect(unlockMail.to).toEqual(["johndoe@example.com"]);
    expect(unlockMail.link).toMatch(/^https:\/\/app\.example\.com\/unlock\?token=/);

    // Asked again within 15 minutes: the same answer, no second mail.
    expect((await passwordLogin(server.app, "johndoe", "secret", NEW_ADDRESS)).json().detail).toMatch(/unlock link/);

    const unlocked = await postJson(server.app, "/unlock", { token: unlockMail.token }, { address: NEW_ADDRESS });
    expect(unlocked.statusCode).toBe(200);
    expect(unlocked.headers["cache-control"]).toBe("no-store");
    const tokens = unlocked.json();
    const me = await server.app.inject({
      method: "GET",
      url: "/users/me",
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(me.json().username).toBe("johndoe");
    // The address is known now: the password alone works there.
    expect((await passwordLogin(server.app, "johndoe", "secret", NEW_ADDRESS)).statusCode).toBe(200);
    // The link was single-use.
    expect(
      (await postJson(server.app, "/unlock", { token: unlockMail.token }, { address: NEW_ADDRESS })).statusCode,
    ).toBe(400);

    // The owner was told, once.
    await smtp.waitFor((m) => m.subject === "Your account is under attack", 15_000, since);
    await server.gatehouse.accounts.idle();
    expect(smtp.mails.slice(since).filter((m) => m.subject === "Your account is under attack")).toHaveLength(1);
    expect(smtp.mails.slice(since).filter((m) => m.subject === "Log in from a new place")).toHaveLength(1);
    const types = (await server.gatehouse.audit.list({ limit: 500, cursor: null, username: "johndoe" })).events.map(
      (event) => event.type,
    );
    expect(types).toEqual(expect.arrayContaining(["account.under_attack", "account.unlocked"]));
  });

  it("makes a user without a verified e-mail wait at a new address, with no mail", async () => {
    server = await createAccountServer({ smtpUrl: smtp.url });
    const since = smtp.mails.length;
    await attack("johndoe");
    const blocked = await passwordLogin(server.app, "johndoe", "secret", NEW_ADDRESS);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().detail).not.toMatch(/unlock/);
    await server.gatehouse.accounts.idle();
    expect(smtp.mails.slice(since).filter((m) => m.to.includes("johndoe@example.com"))).toEqual([]);
  });
});
