import type { AccountMail, AccountMailer, AccountMailKind, MailOutcome } from "../core/index.js";
import type { MailTemplate } from "./mail-templates.js";
import { renderMail } from "./mail-templates.js";
import type { MailTransport } from "./mail-transport.js";

/** Options for {@link createMailQueue}. */
export interface MailQueueOptions {
  transport: MailTransport;
  templates: Record<AccountMailKind, MailTemplate>;
  /** The sender, `GATEHOUSE_MAIL_FROM`. */
  from: string;
  /** Attempts per mail, the first included; default 3. */
  attempts?: number;
  /** Wait before the second attempt, doubling after each; default 2000 ms. */
  retryDelayMs?: number;
  /** Mails sent at once; default 2. */
  concurrency?: number;
  /** Mails waiting at most; past it a new one is dropped (and counted); default 1000. */
  maxQueued?: number;
  /** Told of a mail that could not be sent after every attempt (never with its body: the link is a secret). */
  onFailure?: (error: unknown, mail: { kind: AccountMailKind; to: string }) => void;
}

/**
 * An {@link AccountMailer} that queues mail in memory and sends it in the background with
 * retries, so no request waits for (or learns about) the SMTP server. A mail still queued when
 * the process stops is lost: account links can be asked for again.
 */
export function createMailQueue(options: MailQueueOptions): AccountMailer {
  const attempts = options.attempts ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 2000;
  const concurrency = options.concurrency ?? 2;
  const maxQueued = options.maxQueued ?? 1000;
  const queue: AccountMail[] = [];
  const listeners: Array<(kind: AccountMailKind, outcome: MailOutcome) => void> = [];
  const idleWaiters: Array<() => void> = [];
  let running = 0;
  let closed = false;

  const tell = (kind: AccountMailKind, outcome: MailOutcome) => {
    for (const listener of listeners) listener(kind, outcome);
  };
  const settleIdle = () => {
    if (running === 0 && queue.length === 0) for (const wake of idleWaiters.splice(0)) wake();
  };
  const deliver = async (mail: AccountMail) => {
    const rendered = renderMail(options.templates[mail.kind], mail);
    const message = { from: options.from, to: mail.to, ...rendered };
    for (let attempt = 1; ; attempt++) {
      try {
        await options.transport.send(message);
        tell(mail.kind, "sent");
        return;
      } catch (error) {
        if (attempt >= attempts || closed) {
          tell(mail.kind, "failed");
          options.onFailure?.(error, { kind: mail.kind, to: mail.to });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs * 2 ** (attempt - 1)));
      }
    }
  };
  const pump = () => {
    while (running < concurrency && queue.length > 0) {
      const mail = queue.shift() as AccountMail;
      running++;
      void deliver(mail).finally(() => {
        running--;
        pump();
        settleIdle();
      });
    }
  };

  return {
    send(mail) {
      if (closed || queue.length >= maxQueued) {
        tell(mail.kind, "dropped");
        options.onFailure?.(new Error(closed ? "the mail queue is closed" : "the mail queue is full"), {
          kind: mail.kind,
          to: mail.to,
        });
        return;
      }
      queue.push(mail);
      pump();
    },
    onOutcome(listener) {
      listeners.push(listener);
    },
    idle() {
      if (running === 0 && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async close() {
      closed = true;
      // What is being sent finishes (retries stop); what waits is dropped with the process.
      queue.splice(0);
      if (running > 0) await new Promise<void>((resolve) => idleWaiters.push(resolve));
      await options.transport.close();
    },
  };
}
