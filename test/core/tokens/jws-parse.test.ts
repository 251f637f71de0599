import { describe, expect, it } from "vitest";
import { hasDuplicateMembers, isCanonicalCompactJws, readPayloadText } from "../../../src/core/tokens/jws-parse.js";

const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
// One byte left over (length 4n+2, 4 unused bits) and two left over (4n+3, 2 unused bits).
const ONE_BYTE_TAIL = Buffer.from("a").toString("base64url");
const TWO_BYTE_TAIL = Buffer.from("ab").toString("base64url");

describe("isCanonicalCompactJws", () => {
  it.each([
    ["three canonical segments", `${segment({ alg: "HS256" })}.${segment({ sub: "a" })}.c2ln`],
    ["a last segment with one byte left over and zero unused bits", `aaaa.bbbb.${ONE_BYTE_TAIL}`],
    ["a last segment with two bytes left over and zero unused bits", `aaaa.bbbb.${TWO_BYTE_TAIL}`],
  ])("accepts %s", (_name, token) => {
    expect(isCanonicalCompactJws(token)).toBe(true);
  });

  it.each([
    ["two segments", "aaaa.bbbb"],
    ["four segments", "aaaa.bbbb.cccc.dddd"],
    ["an empty header", ".bbbb.cccc"],
    ["an empty payload", "aaaa..cccc"],
    ["an empty signature", "aaaa.bbbb."],
    ["padding", "aaaa.bbbb.YQ=="],
    ["the standard alphabet's +", "aaaa.bb+b.cccc"],
    ["the standard alphabet's /", "aaaa.bbbb.cc/c"],
    ["a space", "aaaa.bb bb.cccc"],
    ["a non-ASCII letter", "aaaa.bbbé.cccc"],
    ["a segment of length 4n+1", "aaaa.bbbbb.cccc"],
    ["4 unused bits set (YR instead of YQ)", "aaaa.bbbb.YR"],
    ["2 unused bits set (YWJ instead of YWI)", "aaaa.bbbb.YWJ"],
    ["an unused bit set in the header", "YR.bbbb.cccc"],
  ])("rejects %s", (_name, token) => {
    expect(isCanonicalCompactJws(token)).toBe(false);
  });
});

describe("hasDuplicateMembers", () => {
  it.each([
    ["distinct members", '{"sub":"a","exp":1}'],
    ["colons and escaped quotes inside strings", '{"sub":"a:b\\":c","scope":"x:y"}'],
    ["nested objects and arrays", '{"aud":["a:b"],"cnf":{"jkt":"x"},"list":[{"a":1},{"a":2}]}'],
    ["whitespace around members", '{ "sub" : "a" , "exp" : 1 }'],
    ["a __proto__ member", '{"__proto__":{"admin":true},"sub":"a"}'],
  ])("finds none in %s", (_name, text) => {
    expect(hasDuplicateMembers(text, JSON.parse(text))).toBe(false);
  });

  it.each([
    ["a repeated member", '{"sub":"johndoe","sub":"root"}'],
    ["a repeated member with the same value", '{"sub":"a","sub":"a"}'],
    ["a repeat spelled with a unicode escape", '{"sub":"a","s\\u0075b":"root"}'],
    ["a repeat in a nested object", '{"cnf":{"jkt":"a","jkt":"b"}}'],
    ["a repeat in an object inside an array", '{"aud":[{"a":1,"a":2}]}'],
  ])("finds %s", (_name, text) => {
    expect(hasDuplicateMembers(text, JSON.parse(text))).toBe(true);
  });
});

describe("readPayloadText", () => {
  it("decodes the middle segment as UTF-8", () => {
    expect(readPayloadText(`${segment({ alg: "none" })}.${segment({ sub: "jöhn" })}.sig`)).toBe('{"sub":"jöhn"}');
  });

  // Review finding 13: Buffer#toString turned invalid bytes into U+FFFD instead of refusing them.
  it.each([
    ["a lone 0xFF byte", [0xff]],
    ["a truncated sequence", [0xe2, 0x82]],
    ["an overlong encoding", [0xc0, 0xaf]],
  ])("throws on a payload with %s (regression: invalid UTF-8 was decoded leniently)", (_name, bytes) => {
    const payload = Buffer.concat([Buffer.from('{"sub":"a'), Buffer.from(bytes), Buffer.from('"}')]).toString(
      "base64url",
    );
    expect(() => readPayloadText(`${segment({ alg: "none" })}.${payload}.sig`)).toThrow(TypeError);
  });

  it("keeps a byte-order mark, so JSON.parse still refuses it", () => {
    const payload = Buffer.from('\ufeff{"sub":"a"}').toString("base64url");
    expect(readPayloadText(`${segment({ alg: "none" })}.${payload}.sig`)).toBe('\ufeff{"sub":"a"}');
  });
});
