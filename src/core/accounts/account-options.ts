import type { AccountMailer } from "./account-mail.js";

/** Accounts: open registration, e-mail verification, password reset, unlock links. */
export interface AccountOptions {
  /** `open` serves `register()` (`POST /register`); default `closed` (users come from admins). */
  registration?: "open" | "closed";
  /** Refuse logins of users whose e-mail is not verified; default false. */
  requireVerifiedEmail?: boolean;
  /** Base of the links in mails (`APP_URL/reset-password?token=…`); default the issuer. */
  appUrl?: string;
  /** Sends account mail; without one there is no mail: no forgot-password, no verification or unlock links. */
  mailer?: AccountMailer;
  /** Told of background account work that failed (a lookup or a token write for forgot-password). */
  onError?: (error: unknown) => void;
}

/** {@link AccountOptions} with defaults filled in and checked. */
export interface ResolvedAccountOptions {
  registrationOpen: boolean;
  requireVerifiedEmail: boolean;
  appUrl: string;
  mailer: AccountMailer | null;
  onError: (error: unknown) => void;
}

/**
 * Fills in defaults and refuses, at construction, a feature that needs mail without a mailer.
 * @throws TypeError naming what to set.
 */
export function resolveAccountOptions(options: AccountOptions = {}, issuer: string): ResolvedAccountOptions {
  const registration = options.registration ?? "closed";
  if (registration !== "open" && registration !== "closed")
    throw new TypeError(`registration must be "open" or "closed" (got ${JSON.stringify(registration)})`);
  const requireVerifiedEmail = options.requireVerifiedEmail ?? false;
  const mailer = options.mailer ?? null;
  // Such users could never verify, so never log in.
  if (registration === "open" && requireVerifiedEmail && mailer === null)
    throw new TypeError(
      "open registration with required e-mail verification needs mail: set GATEHOUSE_SMTP_URL (or a mailer)",
    );
  const appUrl = (options.appUrl ?? issuer).replace(/\/+$/, "");
  let scheme: string;
  try {
    scheme = new URL(appUrl).protocol;
  } catch {
    throw new TypeError(`the app URL must be an absolute URL (got ${JSON.stringify(appUrl)})`);
  }
  if (scheme !== "http:" && scheme !== "https:") throw new TypeError("the app URL must be an http(s) URL");
  return {
    registrationOpen: registration === "open",
    requireVerifiedEmail,
    appUrl,
    mailer,
    onError: options.onError ?? (() => undefined),
  };
}
