import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ACCOUNT_MAIL_KINDS, type AccountMail, type AccountMailKind } from "../core/index.js";

/** One mail's template: subject, plain text and HTML, with `{{link}}`, `{{username}}`, `{{expires}}`, `{{expires_minutes}}`. */
export interface MailTemplate {
  subject: string;
  text: string;
  html: string;
}

/** A rendered mail, ready for a transport. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** The built-in templates, used for every file an operator's folder does not have. */
export const DEFAULT_MAIL_TEMPLATES: Readonly<Record<AccountMailKind, MailTemplate>> = {
  verify: {
    subject: "Confirm your e-mail address",
    text: "Hello {{username}},\n\nconfirm that this is your e-mail address by opening this link:\n\n{{link}}\n\nThe link works once, for {{expires}}. If you did not sign up, ignore this mail.\n",
    html: '<p>Hello {{username}},</p><p>confirm that this is your e-mail address by opening this link:</p><p><a href="{{link}}">{{link}}</a></p><p>The link works once, for {{expires}}. If you did not sign up, ignore this mail.</p>',
  },
  reset: {
    subject: "Reset your password",
    text: "Hello {{username}},\n\nsomeone (hopefully you) asked to reset your password. Choose a new one here:\n\n{{link}}\n\nThe link works once, for {{expires}}. If it was not you, ignore this mail: your password stays as it is.\n",
    html: '<p>Hello {{username}},</p><p>someone (hopefully you) asked to reset your password. Choose a new one here:</p><p><a href="{{link}}">{{link}}</a></p><p>The link works once, for {{expires}}. If it was not you, ignore this mail: your password stays as it is.</p>',
  },
  unlock: {
    subject: "Log in from a new place",
    text: "Hello {{username}},\n\nyour account is receiving many failed logins, so a login from a new place needs this link as well as your password:\n\n{{link}}\n\nOpening it logs you in there. It works once, for {{expires}}. If you did not just log in, do not open it, and consider changing your password.\n",
    html: '<p>Hello {{username}},</p><p>your account is receiving many failed logins, so a login from a new place needs this link as well as your password:</p><p><a href="{{link}}">{{link}}</a></p><p>Opening it logs you in there. It works once, for {{expires}}. If you did not just log in, do not open it, and consider changing your password.</p>',
  },
  under_attack: {
    subject: "Your account is under attack",
    text: "Hello {{username}},\n\nyour account has received many failed logins from addresses you have not used. Places you logged in from before are not affected; from a new place you will be asked for more than your password.\n\nIf you have not, choose a strong password you use nowhere else.\n",
    html: "<p>Hello {{username}},</p><p>your account has received many failed logins from addresses you have not used. Places you logged in from before are not affected; from a new place you will be asked for more than your password.</p><p>If you have not, choose a strong password you use nowhere else.</p>",
  },
};

/**
 * The templates, with an operator's folder laid over the built-in ones: `KIND.subject`,
 * `KIND.txt` and `KIND.html` for each kind (`verify`, `reset`, `unlock`, `under_attack`);
 * a missing file keeps the built-in part. Read once, at start.
 * @throws Error when a file exists but cannot be read.
 */
export function loadMailTemplates(folder?: string): Record<AccountMailKind, MailTemplate> {
  const templates = { ...DEFAULT_MAIL_TEMPLATES };
  if (folder === undefined) return templates;
  for (const kind of ACCOUNT_MAIL_KINDS) {
    const part = (extension: string, fallback: string) => {
      try {
        return readFileSync(join(folder, `${kind}.${extension}`), "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return fallback;
        throw error;
      }
    };
    const base = DEFAULT_MAIL_TEMPLATES[kind];
    templates[kind] = {
      subject: part("subject", base.subject).trim(),
      text: part("txt", base.text),
      html: part("html", base.html),
    };
  }
  return templates;
}

/** Fills a template: plain values in text and subject, HTML-escaped values in HTML. */
export function renderMail(template: MailTemplate, mail: AccountMail): RenderedMail {
  const values: Record<string, string> = {
    link: mail.link ?? "",
    username: mail.username,
    expires_minutes: mail.expiresInMinutes === null ? "" : String(mail.expiresInMinutes),
    expires: mail.expiresInMinutes === null ? "" : readableMinutes(mail.expiresInMinutes),
  };
  const fill = (source: string, encode: (value: string) => string) =>
    source.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) =>
      values[name] === undefined ? whole : encode(values[name]),
    );
  // A subject is one header line: no line breaks from a value may split it.
  return {
    subject: fill(template.subject, (value) => value.replace(/[\r\n]+/g, " ")),
    text: fill(template.text, (value) => value),
    html: fill(template.html, escapeHtml),
  };
}

/** 30 → "30 minutes", 60 → "1 hour", 1440 → "24 hours". */
function readableMinutes(minutes: number): string {
  if (minutes % 60 !== 0) return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  const hours = minutes / 60;
  return `${hours} hour${hours === 1 ? "" : "s"}`;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
