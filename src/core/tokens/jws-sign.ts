import { createHmac, createPrivateKey, type KeyObject, sign } from "node:crypto";
import type { SigningKey } from "../keys/signing-keys.js";

/** Signs JWS compact serialisations with one key; key material is parsed once. */
export type JwsSigner = (header: Record<string, unknown>, payload: Record<string, unknown>) => string;

/**
 * Creates a signer for one key. Signing is done with node:crypto directly (rather than a
 * JWT library's signer) so `iat` can carry milliseconds: RFC 7519 NumericDate allows
 * fractions, and "tokens issued before a password change fail, tokens issued after it
 * work, even within the same second" needs them.
 */
export function createJwsSigner(key: SigningKey): JwsSigner {
  const sign_ = signatureFunction(key);
  return (header, payload) => {
    const input = `${encodeSegment(header)}.${encodeSegment(payload)}`;
    return `${input}.${sign_(input).toString("base64url")}`;
  };
}

function signatureFunction(key: SigningKey): (input: string) => Buffer {
  if (key.algorithm === "HS256") {
    const secret = key.signingSecret;
    return (input) => createHmac("sha256", secret).update(input).digest();
  }
  const privateKey: KeyObject = createPrivateKey(key.signingSecret);
  if (key.algorithm === "EdDSA") return (input) => sign(null, Buffer.from(input), privateKey);
  // JWS ES256 signatures are r||s (IEEE P1363), not DER (RFC 7518 §3.4).
  if (key.algorithm === "ES256")
    return (input) => sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" });
  return (input) => sign("sha256", Buffer.from(input), privateKey);
}

function encodeSegment(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
}
