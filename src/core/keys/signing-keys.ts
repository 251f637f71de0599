import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  randomBytes,
  randomUUID,
} from "node:crypto";
import { GatehouseError } from "../errors.js";
import type { StoredSigningKey } from "../store.js";

/** The algorithms Gatehouse signs with. */
export type SigningAlgorithm = "HS256" | "EdDSA" | "ES256" | "RS256";
export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ["HS256", "EdDSA", "ES256", "RS256"];

/** A key ready to sign or verify. */
export interface SigningKey {
  kid: string;
  algorithm: SigningAlgorithm;
  /** HMAC bytes, or PEM private key. */
  signingSecret: Buffer | string;
  /** HMAC bytes, or PEM public key. */
  verificationKey: Buffer | string;
  createdAt: number;
  supersededAt: number | null;
}

/** A public key as published in a JWKS (RFC 7517). */
export interface PublicJwk extends JsonWebKey {
  kid: string;
  alg: string;
  use: "sig";
}

/** True when `value` names a supported signing algorithm. */
export function isSigningAlgorithm(value: string): value is SigningAlgorithm {
  return (SIGNING_ALGORITHMS as readonly string[]).includes(value);
}

/** Creates a fresh key of the given algorithm, in its stored form. */
export function generateSigningKey(algorithm: SigningAlgorithm, now: number): StoredSigningKey {
  const kid = randomUUID();
  if (algorithm === "HS256") {
    return {
      kid,
      algorithm,
      privateKey: randomBytes(32).toString("base64url"),
      publicKey: "",
      createdAt: now,
      supersededAt: null,
    };
  }
  const pair = generatePemKeyPair(algorithm);
  return { kid, algorithm, privateKey: pair.privateKey, publicKey: pair.publicKey, createdAt: now, supersededAt: null };
}

function generatePemKeyPair(algorithm: Exclude<SigningAlgorithm, "HS256">): { publicKey: string; privateKey: string } {
  const pair =
    algorithm === "EdDSA"
      ? generateKeyPairSync("ed25519")
      : algorithm === "ES256"
        ? generateKeyPairSync("ec", { namedCurve: "P-256" })
        : generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    publicKey: pair.publicKey.export({ type: "spki", format: "pem" }).toString(),
    privateKey: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

/** Turns a stored key into one ready for use. */
export function loadSigningKey(stored: StoredSigningKey): SigningKey {
  if (!isSigningAlgorithm(stored.algorithm)) {
    throw new GatehouseError("store_unavailable", `stored key ${stored.kid} has an unsupported algorithm`);
  }
  const hmac = stored.algorithm === "HS256";
  const secret = hmac ? Buffer.from(stored.privateKey, "base64url") : stored.privateKey;
  return {
    kid: stored.kid,
    algorithm: stored.algorithm,
    signingSecret: secret,
    verificationKey: hmac ? secret : stored.publicKey,
    createdAt: stored.createdAt,
    supersededAt: stored.supersededAt,
  };
}

/**
 * The HS256 key given as `GATEHOUSE_SECRET_KEY`: its UTF-8 bytes, as PyJWT uses the seed's
 * `SECRET_KEY`, so a FastAPI app sharing the secret accepts Gatehouse's tokens and back.
 * Its `kid` is derived from the secret so every instance sharing it agrees.
 */
export function configuredSecretKey(secret: string): SigningKey {
  if (secret.length === 0) throw new Error("GATEHOUSE_SECRET_KEY must not be empty");
  const bytes = Buffer.from(secret, "utf8");
  const kid = `hs256-${createHash("sha256").update("gatehouse kid\0").update(bytes).digest("base64url").slice(0, 16)}`;
  return { kid, algorithm: "HS256", signingSecret: bytes, verificationKey: bytes, createdAt: 0, supersededAt: null };
}

/** The public half of an asymmetric key as a JWK; `null` for HMAC keys (never published). */
export function toPublicJwk(key: SigningKey): PublicJwk | null {
  if (key.algorithm === "HS256") return null;
  const jwk = createPublicKey(key.verificationKey as string).export({ format: "jwk" });
  return { ...jwk, kid: key.kid, alg: key.algorithm, use: "sig" };
}
