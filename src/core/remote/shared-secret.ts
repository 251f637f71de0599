import { ACCESS_TOKEN_TYP } from "../tokens/access-token-claims.js";
import { encodeBase64url } from "../tokens/base64url.js";
import { createWebKeyVerifier, importHmacSecret, subtleCrypto } from "./web-jws-verify.js";
import type { WebKeyVerifier } from "./web-key-verifier.js";

/** The verifiers of a shared HS256 secret: for Gatehouse's tokens, which name its kid, and for kid-less ones. */
export interface SharedSecretVerifiers {
  /** The kid a Gatehouse configured with this secret puts in its tokens. */
  kid: string;
  /** For tokens naming {@link kid}: `typ` must be `at+jwt`. */
  withKid: WebKeyVerifier;
  /** For kid-less tokens, a FastAPI app's (PyJWT says `typ: "JWT"`), so `typ` is not pinned. */
  kidless: WebKeyVerifier;
}

const ASCII = new TextEncoder();

/** Imports the secret (its UTF-8 bytes, as PyJWT uses the seed's SECRET_KEY) and derives its kid. */
export async function loadSharedSecretVerifiers(secret: string): Promise<SharedSecretVerifiers> {
  const bytes = ASCII.encode(secret);
  const [kid, key] = await Promise.all([sharedSecretKid(bytes), importHmacSecret(bytes)]);
  return {
    kid,
    withKid: createWebKeyVerifier(key, "HS256", ACCESS_TOKEN_TYP),
    kidless: createWebKeyVerifier(key, "HS256", undefined),
  };
}

/**
 * The kid of a configured HS256 secret, derived as the server derives it with node:crypto
 * (`configuredSecretKey` in keys/signing-keys.ts), so every instance sharing the secret agrees;
 * a test keeps the two equal.
 */
export async function sharedSecretKid(secret: Uint8Array): Promise<string> {
  const prefix = ASCII.encode("gatehouse kid\0");
  const input = new Uint8Array(prefix.length + secret.length);
  input.set(prefix);
  input.set(secret, prefix.length);
  const digest = new Uint8Array(await subtleCrypto().digest("SHA-256", input));
  return `hs256-${encodeBase64url(digest).slice(0, 16)}`;
}
