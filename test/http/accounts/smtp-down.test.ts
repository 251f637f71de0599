import { afterEach, describe, expect, it } from "vitest";
import { createAccountServer, postJson } from "../../support/account-server.js";
import { startSmtpReceiver } from "../../support/smtp-receiver.js";

let server: Awaited<ReturnType<typeof createAccountServer>>;
afterEach(() => server.close());

/** A loopback SMTP URL nobody listens on: a receiver started and closed again. */
async function deadSmtpUrl(): Promise<string> {
  const receiver = await startSmtpReceiver();
  await receiver.close();
  return receiver.url;
}

async function mailMetric(kind: string, outcome: string): Promise<number> {
  const metrics = (await server.app.inject({ method: "GET", url: "/metrics" })).body;
  const line = metrics
    .split("\n")
    .find((row) => row.startsWith(`gatehouse_mails_total{kind="${kind}",outcome="${outcome}"}`));
  return line === undefined ? 0 : Number(line.split(" ").at(-1));
}

describe("with the SMTP server down", () => {
  it("answers forgot-password and registration as usual, and counts the failed mails in /metrics", async () => {
    const failures: unknown[] = [];
    server = await createAccountServer({
      smtpUrl: await deadSmtpUrl(),
      registration: "open",
      onMailFailure: (error) => failures.push(error),
    });
    const forgot = await postJson(server.app, "/password/forgot", { username: "johndoe" });
    expect(forgot.statusCode).toBe(202);
    expect(forgot.json()).toEqual({ detail: "If the account exists, a reset link has been sent" });
    const registered = await postJson(server.app, "/register", {
      username: "offline",
      email: "offline@example.com",
      password: "long enough password",
    });
    expect(registered.statusCode).toBe(201);
    // Every attempt (three, with short retry delays in tests) fails; then the mail counts as failed.
    await server.gatehouse.accounts.idle();
    expect(await mailMetric("reset", "failed")).toBe(1);
    expect(await mailMetric("verify", "failed")).toBe(1);
    expect(await mailMetric("reset", "sent")).toBe(0);
    expect(failures).toHaveLength(2);
  });

  it("counts sent mails once the server answers", async () => {
    const smtp = await startSmtpReceiver();
    try {
      server = await createAccountServer({ smtpUrl: smtp.url });
      await postJson(server.app, "/password/forgot", { username: "johndoe" });
      await server.gatehouse.accounts.idle();
      expect(await mailMetric("reset", "sent")).toBe(1);
      expect(smtp.to("johndoe@example.com")).toHaveLength(1);
    } finally {
      await smtp.close();
    }
  });
});
