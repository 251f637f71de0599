import { describe, expect, it } from "vitest";
import { resolveOptions } from "../../src/core/options.js";
import { ConfigError, loadConfig } from "../../src/server/config.js";
import { memoryStore } from "../../src/stores/memory/memory-store.js";

describe("GATEHOUSE_MFA", () => {
  it("defaults to optional and reads off, optional and required in any case", () => {
    expect(loadConfig({}).gatehouse.mfa).toBe("optional");
    expect(loadConfig({ GATEHOUSE_MFA: "required" }).gatehouse.mfa).toBe("required");
    expect(loadConfig({ GATEHOUSE_MFA: "OFF" }).gatehouse.mfa).toBe("off");
    expect(resolveOptions({ store: memoryStore(), ...loadConfig({ GATEHOUSE_MFA: "required" }).gatehouse }).mfa).toBe(
      "required",
    );
  });

  it("refuses any other value at start with a ConfigError naming the setting", () => {
    expect(() => loadConfig({ GATEHOUSE_MFA: "always" })).toThrow(ConfigError);
    expect(() => loadConfig({ GATEHOUSE_MFA: "always" })).toThrow(
      /GATEHOUSE_MFA must be one of off, optional, required/,
    );
  });

  it("refuses a bad mfa option or issuer when the Gatehouse is built", () => {
    expect(() => resolveOptions({ store: memoryStore(), mfa: "sometimes" as never })).toThrow(TypeError);
    expect(() => resolveOptions({ store: memoryStore(), mfaIssuer: "a:b" })).toThrow(/colon/);
  });
});
