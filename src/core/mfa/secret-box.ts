import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { GatehouseError } from "../errors.js";

const VERSION = "v1";

/**
 * Seals a TOTP secret with AES-256-GCM: a random 96-bit nonce, and the owner's name as
 * additional data, so a sealed secret copied onto another user's row does not open.
 * Format: `v1.NONCE.CIPHERTEXT.TAG`, each base64url.
 */
export function sealSecret(key: Buffer, owner: string, secret: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(Buffer.from(owner, "utf8"));
  const sealed = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return [VERSION, nonce, sealed, cipher.getAuthTag()]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}

/**
 * Opens what {@link sealSecret} sealed.
 * @throws GatehouseError `store_unavailable` when it does not open (another key, another owner,
 *   a damaged row): nothing a client did, and never a reason to accept a code.
 */
export function openSecret(key: Buffer, owner: string, sealed: string): string {
  const [version, nonce, ciphertext, tag, extra] = sealed.split(".");
  if (
    version !== VERSION ||
    nonce === undefined ||
    ciphertext === undefined ||
    tag === undefined ||
    extra !== undefined
  ) {
    throw unreadable();
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(nonce, "base64url"));
    decipher.setAAD(Buffer.from(owner, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
  } catch (cause) {
    throw unreadable(cause);
  }
}

function unreadable(cause?: unknown): GatehouseError {
  return new GatehouseError("store_unavailable", "a stored second factor cannot be read", {
    cause: cause ?? new Error("malformed sealed secret"),
  });
}
