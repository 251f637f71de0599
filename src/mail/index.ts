export { createMailQueue, type MailQueueOptions } from "./mail-queue.js";
export {
  DEFAULT_MAIL_TEMPLATES,
  loadMailTemplates,
  type MailTemplate,
  type RenderedMail,
  renderMail,
} from "./mail-templates.js";
export { createMailTransport, type MailTransport, type OutgoingMail, type SmtpTimeouts } from "./mail-transport.js";
