import { describe, expect, it } from "vitest";
import { isGatehouseError } from "../../../src/core/errors.js";
import { deriveMfaKeys, generateMfaRootSecret, hashRecoveryCode } from "../../../src/core/mfa/mfa-keys.js";
import { generateRecoveryCodes, normalizeRecoveryCode } from "../../../src/core/mfa/recovery-codes.js";
import { openSecret, sealSecret } from "../../../src/core/mfa/secret-box.js";

const keys = deriveMfaKeys(generateMfaRootSecret());

describe("TOTP secrets at rest", () => {
  it("seals with AES-256-GCM so that the stored text holds no trace of the secret, and opens it again", () => {
    const sealed = sealSecret(keys.secretKey, "johndoe", "JBSWY3DPEHPK3PXP");
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(sealed).not.toContain("JBSWY3DPEHPK3PXP");
    expect(sealSecret(keys.secretKey, "johndoe", "JBSWY3DPEHPK3PXP")).not.toBe(sealed);
    expect(openSecret(keys.secretKey, "johndoe", sealed)).toBe("JBSWY3DPEHPK3PXP");
  });

  it.each([
    ["another owner", (sealed: string) => openSecret(keys.secretKey, "alice", sealed)],
    [
      "another key",
      (sealed: string) => openSecret(deriveMfaKeys(generateMfaRootSecret()).secretKey, "johndoe", sealed),
    ],
    ["a changed byte", (sealed: string) => openSecret(keys.secretKey, "johndoe", `${sealed.slice(0, -3)}AAA`)],
    ["garbage", () => openSecret(keys.secretKey, "johndoe", "not sealed")],
  ])("refuses to open with %s (store_unavailable, no secret in the message)", (_name, open) => {
    const sealed = sealSecret(keys.secretKey, "johndoe", "JBSWY3DPEHPK3PXP");
    let caught: unknown;
    try {
      open(sealed);
    } catch (error) {
      caught = error;
    }
    expect(isGatehouseError(caught, "store_unavailable")).toBe(true);
    expect(String((caught as Error).message)).not.toContain("JBSWY3DPEHPK3PXP");
  });

  it("derives distinct keys for sealing and for recovery code hashes", () => {
    expect(keys.secretKey.equals(keys.recoveryCodeKey)).toBe(false);
    expect(keys.secretKey).toHaveLength(32);
  });
});

describe("recovery codes", () => {
  it("makes ten distinct codes of two groups of five", () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[2-9a-z]{5}-[2-9a-z]{5}$/);
  });

  it.each([
    ["ABCDE-FGHJK", "abcde-fghjk"],
    ["abcde fghjk", "abcde-fghjk"],
    ["abcdefghjk", "abcde-fghjk"],
    ["abcde-fghj", null],
    ["abcde-fghj0", null],
    ["x".repeat(100), null],
  ])("reads %j as %j", (input, expected) => {
    expect(normalizeRecoveryCode(input)).toBe(expected);
  });

  it("hashes per user, so equal codes of two users differ in the table", () => {
    expect(hashRecoveryCode(keys.recoveryCodeKey, "johndoe", "abcde-fghjk")).not.toBe(
      hashRecoveryCode(keys.recoveryCodeKey, "alice", "abcde-fghjk"),
    );
  });
});
