import { createHmac, hkdfSync, randomBytes } from "node:crypto";

/** The name under which the store keeps the root secret second factors are protected with. */
export const MFA_ROOT_SECRET_NAME = "mfa-root-key";

/** A new random root secret (256 bits, base64url), stored once per database. */
export function generateMfaRootSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** The keys derived from the root secret, one per use so that no key serves two purposes. */
export interface MfaKeys {
  /** AES-256-GCM key that seals TOTP secrets at rest. */
  readonly secretKey: Buffer;
  /** HMAC-SHA256 key recovery codes are stored under. */
  readonly recoveryCodeKey: Buffer;
}

/**
 * Derives the second-factor keys from the root secret with HKDF-SHA256 (RFC 5869): salt
 * "gatehouse-mfa", and an `info` naming each key's use (docs/MFA.md, "Encryption at rest").
 */
export function deriveMfaKeys(rootSecret: string): MfaKeys {
  const ikm = Buffer.from(rootSecret, "base64url");
  const derive = (info: string) => Buffer.from(hkdfSync("sha256", ikm, "gatehouse-mfa", info, 32));
  return {
    secretKey: derive("gatehouse totp secret encryption v1"),
    recoveryCodeKey: derive("gatehouse recovery code hashing v1"),
  };
}

/**
 * The stored form of a recovery code: HMAC-SHA256 under a server key, so a copied table is
 * no list of codes to try offline, and codes are compared by hash alone.
 */
export function hashRecoveryCode(key: Buffer, username: string, code: string): string {
  return createHmac("sha256", key).update(username).update("\u0000").update(code).digest("base64url");
}
