import { generate } from "otplib";
import { describe, expect, it } from "vitest";
import { matchTotpCode, totpUri } from "../../../src/core/mfa/totp.js";

// RFC 6238 Appendix B, SHA-1: the secret is the ASCII "12345678901234567890".
const RFC_SECRET_ASCII = new TextEncoder().encode("12345678901234567890");
const RFC_SECRET_BASE32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const VECTORS: Array<[number, string]> = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
];

describe("TOTP as the library is used here", () => {
  it.each(VECTORS)("otplib computes RFC 6238's SHA-1 vector at T=%i", async (time, expected) => {
    expect(await generate({ secret: RFC_SECRET_ASCII, epoch: time, digits: 8, algorithm: "sha1", period: 30 })).toBe(
      expected,
    );
  });

  it.each(VECTORS)("accepts the 6-digit form of the vector at T=%i and names its time step", async (time, expected) => {
    expect(await matchTotpCode(RFC_SECRET_BASE32, expected.slice(2), time * 1000)).toBe(Math.floor(time / 30));
  });

  it("accepts one step of drift either way and refuses two", async () => {
    const now = 1111111111 * 1000;
    const at = (seconds: number) => generate({ secret: RFC_SECRET_BASE32, epoch: 1111111111 + seconds });
    expect(await matchTotpCode(RFC_SECRET_BASE32, await at(-30), now)).not.toBeNull();
    expect(await matchTotpCode(RFC_SECRET_BASE32, await at(30), now)).not.toBeNull();
    expect(await matchTotpCode(RFC_SECRET_BASE32, await at(-60), now)).toBeNull();
    expect(await matchTotpCode(RFC_SECRET_BASE32, await at(60), now)).toBeNull();
  });

  it.each(["", "12345", "1234567", "abcdef", "12 456", "１２３４５６"])(
    "refuses the malformed code %j",
    async (code) => {
      expect(await matchTotpCode(RFC_SECRET_BASE32, code, 59_000)).toBeNull();
    },
  );

  it("builds the otpauth URI authenticator apps scan", async () => {
    expect(await totpUri("Gatehouse", "johndoe", RFC_SECRET_BASE32)).toBe(
      `otpauth://totp/Gatehouse:johndoe?secret=${RFC_SECRET_BASE32}&issuer=Gatehouse`,
    );
  });
});
