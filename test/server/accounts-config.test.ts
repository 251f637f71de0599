import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/server/config.js";
import { createTempDatabase } from "../cli/cli-harness.js";
import { buildIfStale } from "../support/build.js";

const bin = join(resolve(import.meta.dirname, "../.."), "bin/gatehouse.js");

describe("account settings", () => {
  it("default to closed registration, no required verification and no mail", () => {
    const config = loadConfig({});
    expect(config.gatehouse.accounts).toEqual({ registration: "closed", requireVerifiedEmail: false });
    expect(config.mail).toBeUndefined();
  });

  it("read every variable, and flags win", () => {
    const config = loadConfig(
      {
        GATEHOUSE_REGISTRATION: "open",
        GATEHOUSE_REQUIRE_VERIFIED_EMAIL: "true",
        GATEHOUSE_SMTP_URL: "smtps://user:pass@mail.example.com",
        GATEHOUSE_MAIL_FROM: "Accounts <accounts@example.com>",
        GATEHOUSE_APP_URL: "https://app.example.com",
        GATEHOUSE_MAIL_TEMPLATES: "/etc/gatehouse/mail",
      },
      { mailFrom: "Flag <flag@example.com>" },
    );
    expect(config.gatehouse.accounts).toEqual({
      registration: "open",
      requireVerifiedEmail: true,
      appUrl: "https://app.example.com",
    });
    expect(config.mail).toEqual({
      smtpUrl: "smtps://user:pass@mail.example.com",
      from: "Flag <flag@example.com>",
      templatesDir: "/etc/gatehouse/mail",
    });
  });

  it.each([
    [{ GATEHOUSE_REGISTRATION: "maybe" }, /GATEHOUSE_REGISTRATION must be/],
    [{ GATEHOUSE_REQUIRE_VERIFIED_EMAIL: "sometimes" }, /GATEHOUSE_REQUIRE_VERIFIED_EMAIL must be true or false/],
    [{ GATEHOUSE_SMTP_URL: "http://mail.example.com" }, /GATEHOUSE_SMTP_URL must start with/],
    [{ GATEHOUSE_APP_URL: "app.example.com" }, /GATEHOUSE_APP_URL must be/],
  ])("refuse %j", (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it("refuse open registration with required verification but no SMTP URL, naming what to set", () => {
    expect(() => loadConfig({ GATEHOUSE_REGISTRATION: "open", GATEHOUSE_REQUIRE_VERIFIED_EMAIL: "true" })).toThrow(
      /needs mail: set GATEHOUSE_SMTP_URL/,
    );
  });
});

describe("gatehouse serve", { timeout: 90_000 }, () => {
  beforeAll(() => buildIfStale());

  it("fails at start with one line when a feature needs mail and GATEHOUSE_SMTP_URL is not set", async () => {
    const db = createTempDatabase();
    try {
      const env: NodeJS.ProcessEnv = {};
      for (const [name, value] of Object.entries(process.env)) if (!name.startsWith("GATEHOUSE_")) env[name] = value;
      Object.assign(env, {
        GATEHOUSE_DATABASE_URL: db.url,
        GATEHOUSE_REGISTRATION: "open",
        GATEHOUSE_REQUIRE_VERIFIED_EMAIL: "true",
      });
      const result = await new Promise<{ code: number | null; stderr: string }>((done, fail) => {
        const child = spawn(process.execPath, [bin, "serve", "--port", "0"], { cwd: db.dir, env });
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => {
          stderr += chunk;
        });
        child.on("error", fail);
        child.on("close", (code) => done({ code, stderr }));
      });
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(/GATEHOUSE_SMTP_URL/);
    } finally {
      db.remove();
    }
  });
});
