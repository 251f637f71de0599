import { describe, expect, it } from "vitest";
import { isGatehouseError, usernameKey } from "../../../src/core/index.js";
import { normalizeNewUsername, normalizeUsername, validateEmail } from "../../../src/core/users/user.js";

function refusal(username: string): string | null {
  try {
    normalizeUsername(username);
    return null;
  } catch (error) {
    return isGatehouseError(error, "validation_failed") ? error.message : "unexpected";
  }
}

describe("usernames", () => {
  it.each([
    ["johndoe", "johndoe"],
    ["ｊｏｈｎｄｏｅ", "johndoe"],
    ["Pëtr", "Pëtr"],
    ["пётр", "пётр"],
    ["山田taro", "山田taro"],
    ["やまだ太郎", "やまだ太郎"],
    ["김철수kim", "김철수kim"],
    ["john doe", "john doe"],
    ["x".repeat(64), "x".repeat(64)],
  ])("accepts %j as %j", (raw, normalized) => {
    expect(normalizeUsername(raw)).toBe(normalized);
  });

  it.each([
    ["an empty name", ""],
    ["65 characters", "x".repeat(65)],
    ["a control character", "john\u0007doe"],
    ["a zero-width joiner", "john\u200ddoe"],
    ["a right-to-left override", "john\u202edoe"],
    ["a line separator", "john\u2028doe"],
    ["leading space", " johndoe"],
    ["Latin with a Cyrillic o", "j\u043ehndoe"],
    ["Latin with a Greek omicron", "j\u03bfhndoe"],
    ["Cyrillic with a Latin a", "\u043f\u0451\u0442ra"],
  ])("refuses %s with validation_failed", (_name, raw) => {
    expect(refusal(raw)).not.toBeNull();
    expect(refusal(raw)).not.toBe("unexpected");
  });

  it("compares case-insensitively with full case folding", () => {
    expect(usernameKey("JohnDoe")).toBe(usernameKey("johndoe"));
    expect(usernameKey("STRASSE")).toBe(usernameKey("straße"));
  });
});

describe("email addresses", () => {
  it.each(["johndoe@example.com", "a.b+tag@sub.example.co.uk"])("accepts %j", (email) => {
    expect(validateEmail(email)).toBe(email);
  });

  it.each([
    "",
    "johndoe",
    "john@",
    "@example.com",
    "john doe@example.com",
    "john@example",
    `${"a".repeat(250)}@example.com`,
  ])("refuses %j", (email) => {
    expect(() => validateEmail(email)).toThrow(/valid e-mail/);
  });
});

describe("reserved usernames (regression: a user named me could be created)", () => {
  it.each(["me", "ME", "mE", "ｍｅ", "ＭＥ"])(
    "refuses %j for a new account with validation_failed on username",
    (raw) => {
      let caught: unknown;
      try {
        normalizeNewUsername(raw);
      } catch (error) {
        caught = error;
      }
      expect(isGatehouseError(caught, "validation_failed")).toBe(true);
      expect((caught as { field?: string }).field).toBe("username");
    },
  );

  it("still normalises the name for lookups, so an account made earlier stays reachable", () => {
    expect(normalizeUsername("me")).toBe("me");
  });

  it("accepts names that only contain it", () => {
    expect(["meg", "me me", "home"].map(normalizeNewUsername)).toEqual(["meg", "me me", "home"]);
  });
});
