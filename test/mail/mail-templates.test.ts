import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_MAIL_TEMPLATES, loadMailTemplates, renderMail } from "../../src/mail/index.js";

const dir = mkdtempSync(join(tmpdir(), "gatehouse-templates-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const mail = {
  kind: "reset" as const,
  to: "a@example.com",
  username: "<b>bob</b>",
  link: "https://app.example.com/reset-password?token=abc&x=1",
  expiresInMinutes: 30,
};

describe("mail templates", () => {
  it("fill the link, the username and the lifetime; HTML gets escaped values", () => {
    const rendered = renderMail(DEFAULT_MAIL_TEMPLATES.reset, mail);
    expect(rendered.subject).toBe("Reset your password");
    expect(rendered.text).toContain(mail.link);
    expect(rendered.text).toContain("for 30 minutes");
    expect(rendered.html).toContain("https://app.example.com/reset-password?token=abc&#38;x=1");
    expect(rendered.html).toContain("&#60;b&#62;bob&#60;/b&#62;");
    expect(rendered.html).not.toContain("<b>bob</b>");
  });

  it("take an operator's files over the built-in ones, file by file", () => {
    writeFileSync(join(dir, "reset.subject"), "Your {{username}} reset\n");
    writeFileSync(join(dir, "reset.txt"), "Go to {{link}} within {{expires_minutes}} minutes, {{unknown}}.");
    const templates = loadMailTemplates(dir);
    const rendered = renderMail(templates.reset, { ...mail, username: "bob\r\nBcc: x" });
    expect(rendered.subject).toBe("Your bob Bcc: x reset");
    expect(rendered.text).toBe(`Go to ${mail.link} within 30 minutes, {{unknown}}.`);
    expect(templates.reset.html).toBe(DEFAULT_MAIL_TEMPLATES.reset.html);
    expect(templates.verify).toEqual(DEFAULT_MAIL_TEMPLATES.verify);
  });
});
