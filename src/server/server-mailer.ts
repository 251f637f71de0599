import { existsSync, statSync } from "node:fs";
import type { AccountMailer, AccountMailKind } from "../core/index.js";
import { createMailQueue, createMailTransport, loadMailTemplates } from "../mail/index.js";
import { ConfigError, type MailConfig } from "./config.js";

/**
 * The server's mailer for `GATEHOUSE_SMTP_URL`: templates (an operator's folder over the
 * built-in ones), a pooled SMTP transport or the log, and a queue with retries.
 * @throws ConfigError for a template folder that does not exist.
 */
export function createServerMailer(
  config: MailConfig,
  log: (line: string) => void,
  onFailure: (error: unknown, mail: { kind: AccountMailKind; to: string }) => void,
): AccountMailer {
  if (
    config.templatesDir !== undefined &&
    !(existsSync(config.templatesDir) && statSync(config.templatesDir).isDirectory())
  )
    throw new ConfigError(`GATEHOUSE_MAIL_TEMPLATES: no such folder: ${config.templatesDir}`);
  let transport: ReturnType<typeof createMailTransport>;
  try {
    transport = createMailTransport(config.smtpUrl, log);
  } catch (error) {
    throw new ConfigError(`GATEHOUSE_SMTP_URL: ${(error as Error).message}`);
  }
  return createMailQueue({
    transport,
    templates: loadMailTemplates(config.templatesDir),
    from: config.from,
    onFailure,
  });
}
