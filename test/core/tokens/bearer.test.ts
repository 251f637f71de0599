import { describe, expect, it } from "vitest";
import { extractBearerToken, isGatehouseError } from "../../../src/core/index.js";

function codeOf(header: string | undefined): string {
  try {
    extractBearerToken(header);
    return "ok";
  } catch (error) {
    return isGatehouseError(error) ? error.code : "other";
  }
}

describe("extractBearerToken", () => {
  it.each([
    ["Bearer abc.def.ghi", "abc.def.ghi"],
    ["bearer abc.def.ghi", "abc.def.ghi"],
    ["BEARER   abc.def.ghi", "abc.def.ghi"],
    ["Bearer a-b_c~d+e/f=", "a-b_c~d+e/f="],
  ])("returns the token from %j", (header, token) => {
    expect(extractBearerToken(header)).toBe(token);
  });

  it.each([undefined, "", "Basic dXNlcjpwYXNz", "Bearer", "Bearerabc", "Token abc"])(
    "rejects %j with not_authenticated",
    (header) => {
      expect(codeOf(header)).toBe("not_authenticated");
    },
  );

  it.each(["Bearer ", "Bearer a b", "Bearer abc\u0000", "Bearer ä", `Bearer ${"a".repeat(9000)}`])(
    "rejects the malformed credential %j with invalid_token",
    (header) => {
      expect(codeOf(header)).toBe("invalid_token");
    },
  );
});
