import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

/** One mail the receiver accepted, parsed. */
export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** The first `?token=` link in the text body, or null. */
  link: string | null;
  /** The token of {@link link}, or null. */
  token: string | null;
}

/** A real SMTP server on a free loopback port (the smtp-server package) that keeps what it receives. */
export interface SmtpReceiver {
  /** `smtp://127.0.0.1:PORT`. */
  readonly url: string;
  readonly mails: ReceivedMail[];
  /** Resolves with the first mail (in arrival order, from `since`) matching `match`, waiting up to `timeoutMs`. */
  waitFor(match: (mail: ReceivedMail) => boolean, timeoutMs?: number, since?: number): Promise<ReceivedMail>;
  /** Mails to `address` so far. */
  to(address: string): ReceivedMail[];
  close(): Promise<void>;
}

/** Starts the receiver. No TLS and no authentication: it listens on 127.0.0.1 only. */
export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed: ParsedMail) => {
          const text = parsed.text ?? "";
          const link = /https?:\/\/\S+\?token=[A-Za-z0-9_-]+/.exec(text)?.[0] ?? null;
          mails.push({
            from: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((address) => address.address),
            subject: parsed.subject ?? "",
            text,
            html: typeof parsed.html === "string" ? parsed.html : "",
            link,
            token: link === null ? null : new URL(link).searchParams.get("token"),
          });
          for (const wake of [...waiters]) wake();
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  const receiver: SmtpReceiver = {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    to: (address) => mails.filter((mail) => mail.to.includes(address)),
    waitFor(match, timeoutMs = 15_000, since = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = mails.slice(since).find(match);
          if (found === undefined) return false;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching mail within ${timeoutMs} ms (got ${mails.length})`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return receiver;
}
