import { describe, expect, it } from "vitest";
import { resolveOptions } from "../../src/core/options.js";
import { ConfigError, loadConfig } from "../../src/server/config.js";
import { memoryStore } from "../../src/stores/memory/memory-store.js";

const WEBHOOK = {
  GATEHOUSE_WEBHOOK_URL: "https://hooks.example.com/gatehouse",
  GATEHOUSE_WEBHOOK_SECRET: "0123456789abcdef",
};

describe("settings of sessions, the audit log and webhooks", () => {
  it("defaults to a 10 s reuse interval, 30-day sessions, 90-day retention, the audit log on, no webhook", () => {
    const { gatehouse } = loadConfig({});
    expect(gatehouse).toMatchObject({
      refreshReuseInterval: 10,
      sessionMaxAge: 2_592_000,
      auditRetention: 7_776_000,
      audit: true,
    });
    expect(gatehouse.webhook).toBeUndefined();
  });

  it("reads every setting from the environment, the two session ones from flags too", () => {
    const config = loadConfig(
      { ...WEBHOOK, GATEHOUSE_AUDIT_RETENTION: "86400", GATEHOUSE_AUDIT: "off", GATEHOUSE_WEBHOOK_TIMEOUT: "3" },
      { refreshReuseInterval: "0", sessionMaxAge: "3600" },
    );
    expect(config.gatehouse).toMatchObject({
      refreshReuseInterval: 0,
      sessionMaxAge: 3600,
      auditRetention: 86_400,
      audit: false,
      webhook: { url: WEBHOOK.GATEHOUSE_WEBHOOK_URL, secret: WEBHOOK.GATEHOUSE_WEBHOOK_SECRET, timeoutMs: 3000 },
    });
  });

  it.each([
    [{ GATEHOUSE_REFRESH_REUSE_INTERVAL: "301" }, /GATEHOUSE_REFRESH_REUSE_INTERVAL/],
    [{ GATEHOUSE_SESSION_MAX_AGE: "0" }, /GATEHOUSE_SESSION_MAX_AGE/],
    [{ GATEHOUSE_AUDIT_RETENTION: "59" }, /GATEHOUSE_AUDIT_RETENTION/],
    [{ GATEHOUSE_AUDIT: "maybe" }, /GATEHOUSE_AUDIT must be/],
    [{ GATEHOUSE_WEBHOOK_URL: "https://hooks.example.com/x" }, /needs GATEHOUSE_WEBHOOK_SECRET/],
    [{ ...WEBHOOK, GATEHOUSE_WEBHOOK_SECRET: "short" }, /at least 16 characters/],
    [{ ...WEBHOOK, GATEHOUSE_WEBHOOK_URL: "ftp://hooks.example.com" }, /must start with http/],
    [{ ...WEBHOOK, GATEHOUSE_WEBHOOK_URL: "not a url" }, /GATEHOUSE_WEBHOOK_URL is not a URL/],
    [{ ...WEBHOOK, GATEHOUSE_WEBHOOK_TIMEOUT: "0" }, /GATEHOUSE_WEBHOOK_TIMEOUT/],
  ])("refuses %j at start with a ConfigError naming the setting", (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it("never puts the webhook secret into a message", () => {
    expect(() => loadConfig({ ...WEBHOOK, GATEHOUSE_WEBHOOK_URL: "ftp://x" })).not.toThrow(/0123456789abcdef/);
  });

  it.each([
    [{ refreshReuseInterval: -1 }, /refresh reuse interval/],
    [{ sessionMaxAge: 0 }, /session max age/],
    [{ auditRetention: 10 }, /audit retention/],
    [{ webhook: { url: "mailto:x@example.com", secret: "0123456789abcdef" } }, /http/],
    [{ webhook: { url: "https://x.example", secret: "short" } }, /at least 16/],
    [{ webhook: { url: "https://x.example", secret: "0123456789abcdef", concurrency: 0 } }, /concurrency/],
  ])("the library refuses %j when the Gatehouse is built", (options, message) => {
    expect(() => resolveOptions({ store: memoryStore(), ...options })).toThrow(message);
  });
});
