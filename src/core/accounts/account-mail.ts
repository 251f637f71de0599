/** What an account mail is about: each has its own template. */
export type AccountMailKind = "verify" | "reset" | "unlock" | "under_attack";

/** Every kind, in the order docs/ACCOUNTS.md lists their templates. */
export const ACCOUNT_MAIL_KINDS: readonly AccountMailKind[] = ["verify", "reset", "unlock", "under_attack"];

/** One mail the core asks to send: who gets it and the link it carries (the only secret in it). */
export interface AccountMail {
  kind: AccountMailKind;
  to: string;
  username: string;
  /** The one-time link; null for a notice without one (under attack). */
  link: string | null;
  /** How long the link works; null without a link. */
  expiresInMinutes: number | null;
}

/** How one mail ended: sent, failed after every retry, or dropped because the queue was full. */
export type MailOutcome = "sent" | "failed" | "dropped";

/**
 * Sends account mail off the request path: {@link AccountMailer.send} returns at once and never
 * throws; delivery (with retries) happens later, and a failure is logged and counted, never
 * reported to the request that asked. Implemented outside the core (`gatehouse/mail` in the server).
 */
export interface AccountMailer {
  send(mail: AccountMail): void;
  /** Calls `listener` with the outcome of every mail (for metrics). */
  onOutcome(listener: (kind: AccountMailKind, outcome: MailOutcome) => void): void;
  /** Resolves once every mail queued so far has been sent or has failed. */
  idle(): Promise<void>;
  /** Stops taking mail, finishes what is queued (up to a bound), and closes connections. */
  close(): Promise<void>;
}
