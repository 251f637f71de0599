import type { Transporter } from "nodemailer";

/** One message as a transport sends it. */
export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Where mail goes: an SMTP server, or the log. */
export interface MailTransport {
  /** `smtp`, `smtps` or `log`, for logs. */
  readonly kind: string;
  /** Resolves once the server accepted the message; rejects otherwise (the queue retries). */
  send(mail: OutgoingMail): Promise<void>;
  close(): Promise<void>;
}

/** Timeouts of one SMTP exchange, in milliseconds. */
export interface SmtpTimeouts {
  connectionMs: number;
  greetingMs: number;
  socketMs: number;
}

const DEFAULT_TIMEOUTS: SmtpTimeouts = { connectionMs: 10_000, greetingMs: 10_000, socketMs: 30_000 };

/**
 * A transport for `GATEHOUSE_SMTP_URL`: `smtp://[user:pass@]host[:port]` (STARTTLS when the
 * server offers it), `smtps://…` (TLS from the start, port 465 by default), or `log:`, which
 * writes every whole mail to `log` instead (development: links show in the server log).
 * SMTP connections are pooled and reused.
 * @throws TypeError for another scheme or a malformed URL (the message never repeats it: it may hold a password).
 */
export function createMailTransport(
  url: string,
  log: (line: string) => void,
  timeouts: SmtpTimeouts = DEFAULT_TIMEOUTS,
): MailTransport {
  if (url === "log:") {
    return {
      kind: "log",
      async send(mail) {
        log(
          `Mail (GATEHOUSE_SMTP_URL=log:)\nFrom: ${mail.from}\nTo: ${mail.to}\nSubject: ${mail.subject}\n\n${mail.text}`,
        );
      },
      async close() {},
    };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError("the SMTP URL is not a URL (expected smtp://[USER:PASSWORD@]HOST[:PORT], smtps://… or log:)");
  }
  if (parsed.protocol !== "smtp:" && parsed.protocol !== "smtps:")
    throw new TypeError("the SMTP URL must start with smtp://, smtps:// or be log:");
  const secure = parsed.protocol === "smtps:";
  const options = {
    host: parsed.hostname.replace(/^\[|\]$/g, ""),
    port: parsed.port === "" ? (secure ? 465 : 587) : Number(parsed.port),
    secure,
    ...(parsed.username === ""
      ? {}
      : { auth: { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) } }),
    // A few kept-open connections serve a burst; idle ones close by themselves.
    pool: true as const,
    maxConnections: 3,
    maxMessages: 100,
    connectionTimeout: timeouts.connectionMs,
    greetingTimeout: timeouts.greetingMs,
    socketTimeout: timeouts.socketMs,
  };
  // nodemailer loads with the first mail, not with the server.
  let transporter: Promise<Transporter> | undefined;
  const transport = () => {
    transporter ??= import("nodemailer").then(({ default: nodemailer }) => nodemailer.createTransport(options));
    return transporter;
  };
  return {
    kind: secure ? "smtps" : "smtp",
    async send(mail) {
      await (await transport()).sendMail(mail);
    },
    async close() {
      (await transporter)?.close();
    },
  };
}
