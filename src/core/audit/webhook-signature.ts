import { createHmac, timingSafeEqual } from "node:crypto";

/** The header every webhook delivery carries: `t=UNIX_SECONDS,v1=HEX(HMAC-SHA256(secret, t + "." + body))`. */
export const WEBHOOK_SIGNATURE_HEADER = "Gatehouse-Signature";

/** How far from now a signature's `t` may be before a receiver should refuse it, by default. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/**
 * Signs a webhook body at `timestamp` (whole Unix seconds), as the deliverer does.
 * @example
 * signWebhook("whsec…", 1765000000, body) // "t=1765000000,v1=5f2b…"
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  const t = Math.floor(timestamp);
  return `t=${t},v1=${createHmac("sha256", secret).update(`${t}.${body}`).digest("hex")}`;
}

/** Options for {@link verifyWebhookSignature}. */
export interface VerifyWebhookOptions {
  /** Milliseconds since the epoch; default the wall clock. */
  now?: number;
  /** Seconds `t` may differ from now (replay window); default 300. */
  toleranceSeconds?: number;
}

/**
 * Checks a `Gatehouse-Signature` header against the raw body, in constant time: the receiver's
 * side of {@link signWebhook}. False for a wrong secret, a changed body, a malformed header, or a
 * `t` outside the tolerance (an old delivery replayed).
 * @example
 * if (!verifyWebhookSignature(process.env.WEBHOOK_SECRET, req.headers["gatehouse-signature"], rawBody)) reply(400);
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  body: string,
  options: VerifyWebhookOptions = {},
): boolean {
  if (header === undefined) return false;
  const parts = new Map(
    header.split(",").map((part) => {
      const at = part.indexOf("=");
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const t = parts.get("t");
  const v1 = parts.get("v1");
  if (t === undefined || v1 === undefined || !/^\d{1,12}$/.test(t) || !/^[0-9a-f]{64}$/.test(v1)) return false;
  const now = (options.now ?? Date.now()) / 1000;
  if (Math.abs(now - Number(t)) > (options.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS)) return false;
  const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(v1, "hex"));
}
