import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signWebhook } from "../../../src/core/audit/webhook-signature.js";
import { verifyWebhookSignature } from "../../../src/core/index.js";

const SECRET = "whsec-0123456789abcdef";
const BODY = '{"id":"0190","type":"login.failed"}';
const T = 1_800_000_000;

describe("webhook signatures", () => {
  it("signs t + '.' + body with HMAC-SHA256 under the secret, as the docs' receiver computes it", () => {
    const expected = createHmac("sha256", SECRET).update(`${T}.${BODY}`).digest("hex");
    expect(signWebhook(SECRET, T, BODY)).toBe(`t=${T},v1=${expected}`);
  });

  it("verifies its own signature within the tolerance", () => {
    expect(verifyWebhookSignature(SECRET, signWebhook(SECRET, T, BODY), BODY, { now: T * 1000 + 299_000 })).toBe(true);
  });

  it.each([
    ["another secret", () => signWebhook("another-secret-0000", T, BODY), BODY, T],
    ["a changed body", () => signWebhook(SECRET, T, BODY), `${BODY} `, T],
    ["a replay past the tolerance", () => signWebhook(SECRET, T, BODY), BODY, T + 301],
    ["a time in the future", () => signWebhook(SECRET, T + 301, BODY), BODY, T],
    ["no header", () => undefined, BODY, T],
    ["a header without v1", () => `t=${T}`, BODY, T],
    ["a short v1", () => `t=${T},v1=abcd`, BODY, T],
    ["a non-numeric t", () => `t=soon,v1=${"0".repeat(64)}`, BODY, T],
  ])("refuses %s", (_what, header, body, nowSeconds) => {
    expect(verifyWebhookSignature(SECRET, header(), body, { now: nowSeconds * 1000 })).toBe(false);
  });
});
