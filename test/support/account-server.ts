import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import type { AccountOptions, Clock, Gatehouse, GatehouseOptions } from "../../src/core/index.js";
import { createMailQueue, createMailTransport, loadMailTemplates } from "../../src/mail/index.js";
import { buildServer } from "../../src/server/build-server.js";
import { createTestGatehouse } from "./fixtures.js";

/** Options for {@link createAccountServer}. */
export interface AccountServerOptions extends Omit<AccountOptions, "mailer"> {
  /** Where mail goes (a test's SMTP receiver); none for a server without mail. */
  smtpUrl?: string;
  clock?: Clock;
  throttle?: GatehouseOptions["throttle"];
  /** Between SMTP attempts; short so a down server's failure shows quickly. */
  retryDelayMs?: number;
  /** Told of each mail that failed for good. */
  onMailFailure?: (error: unknown) => void;
}

/**
 * The full server over a test Gatehouse (memory store, the tutorial users) with accounts on and
 * real mail: a queue and a pooled nodemailer transport to `smtpUrl`.
 */
export async function createAccountServer(
  options: AccountServerOptions = {},
): Promise<{ app: FastifyInstance; gatehouse: Gatehouse; close(): Promise<void> }> {
  const { smtpUrl, clock, throttle, retryDelayMs, onMailFailure, ...accounts } = options;
  const mailer =
    smtpUrl === undefined
      ? undefined
      : createMailQueue({
          transport: createMailTransport(smtpUrl, () => undefined, {
            connectionMs: 2000,
            greetingMs: 2000,
            socketMs: 5000,
          }),
          templates: loadMailTemplates(),
          from: "Gatehouse <no-reply@example.com>",
          retryDelayMs: retryDelayMs ?? 50,
          ...(onMailFailure === undefined ? {} : { onFailure: onMailFailure }),
        });
  const { gatehouse } = await createTestGatehouse({
    issuer: "https://auth.example.com",
    accounts: { appUrl: "https://app.example.com", ...accounts, ...(mailer === undefined ? {} : { mailer }) },
    ...(clock === undefined ? {} : { clock }),
    ...(throttle === undefined ? {} : { throttle }),
  });
  const app = await buildServer({ gatehouse, logLevel: "silent" });
  return {
    app,
    gatehouse,
    async close() {
      await app.close();
      await gatehouse.close();
      await mailer?.close();
    },
  };
}

/** POSTs JSON from a client address (the throttle and budgets count by it). */
export function postJson(
  app: FastifyInstance,
  url: string,
  body: unknown,
  options: { address?: string; token?: string } = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: "POST",
    url,
    remoteAddress: options.address ?? "192.0.2.10",
    headers: {
      "content-type": "application/json",
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
    },
    payload: JSON.stringify(body),
  });
}

/** POST /token with a password from a client address. */
export function passwordLogin(
  app: FastifyInstance,
  username: string,
  password: string,
  address = "192.0.2.10",
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: "POST",
    url: "/token",
    remoteAddress: address,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ username, password }).toString(),
  });
}
