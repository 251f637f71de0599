import { createHmac, createPrivateKey, generateKeyPairSync, type KeyObject, randomUUID, sign } from "node:crypto";
import type { StoredSigningKey } from "../../src/core/index.js";

/** What the corpus needs to know about the server under attack. */
export interface CorpusTarget {
  /** The server's current signing key, read from its store. */
  key: StoredSigningKey;
  issuer: string;
  /** A user that exists and is enabled (the valid-shaped tokens speak for them). */
  subject: string;
  /** Seconds since the epoch, as the server's clock sees it. */
  now: number;
}
/** A JSON object as a token header or claims set. */
export type Json = Record<string, unknown>;

/** base64url of UTF-8 text. */
export const encodeText = (text: string): string => Buffer.from(text, "utf8").toString("base64url");
/** base64url of a value's JSON text. */
export const encodeJson = (value: unknown): string => encodeText(JSON.stringify(value));

/** Signs tokens as the server under attack would, and as an attacker with their own key would. */
export interface Forge {
  header(change?: Json): Json;
  claims(change?: Json): Json;
  /** Signs JSON values with the server's key. */
  sign(header: Json, claims: Json): string;
  /** Signs JSON texts exactly as given with the server's key. */
  signRaw(headerText: string, claimsText: string): string;
  /** Signs already-encoded segments exactly as given with the server's key. */
  signSegments(header: string, payload: string): string;
  /** The server's signature of an input, base64url. */
  signature(input: string): string;
  strangerKey(): { publicJwk: Json };
  signWithStranger(header: Json, claims: Json): string;
}

/** Creates the forge for one server. */
export function createForge(target: CorpusTarget): Forge {
  const { key, issuer, subject, now } = target;
  const signer = signerFor(key.algorithm, secretOf(key));
  const stranger = strangerFor(key.algorithm);
  const without = (value: Json): Json =>
    Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined));
  const signSegments = (header: string, payload: string) => {
    const input = `${header}.${payload}`;
    return `${input}.${signer(input)}`;
  };
  return {
    header: (change = {}) => without({ alg: key.algorithm, typ: "at+jwt", kid: key.kid, ...change }),
    claims: (change = {}) =>
      without({ iss: issuer, sub: subject, exp: now + 600, iat: now, jti: randomUUID(), scope: "me", ...change }),
    sign: (header, claims) => signSegments(encodeJson(header), encodeJson(claims)),
    signRaw: (headerText, claimsText) => signSegments(encodeText(headerText), encodeText(claimsText)),
    signSegments,
    signature: (input) => signer(input),
    strangerKey: () => ({ publicJwk: stranger.publicJwk }),
    signWithStranger: (header, claims) => {
      const input = `${encodeJson(header)}.${encodeJson(claims)}`;
      return `${input}.${stranger.sign(input)}`;
    },
  };
}

type Signer = (input: string) => string;

function secretOf(key: StoredSigningKey): Buffer | KeyObject {
  return key.algorithm === "HS256" ? Buffer.from(key.privateKey, "base64url") : createPrivateKey(key.privateKey);
}

/** The JWS signature function of an algorithm, base64url out. */
export function signerFor(algorithm: string, secret: Buffer | KeyObject): Signer {
  if (algorithm === "HS256") return (input) => createHmac("sha256", secret).update(input).digest("base64url");
  const privateKey = secret as KeyObject;
  if (algorithm === "EdDSA") return (input) => sign(null, Buffer.from(input), privateKey).toString("base64url");
  if (algorithm === "ES256")
    return (input) =>
      sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" }).toString("base64url");
  return (input) => sign("sha256", Buffer.from(input), privateKey).toString("base64url");
}

/** An attacker's key of the same algorithm, with its public half as a JWK. */
function strangerFor(algorithm: string): { sign: Signer; publicJwk: Json } {
  if (algorithm === "HS256") {
    const secret = Buffer.from("attacker's own secret, 32 bytes!");
    return { sign: signerFor("HS256", secret), publicJwk: { kty: "oct", k: secret.toString("base64url") } };
  }
  const pair =
    algorithm === "EdDSA"
      ? generateKeyPairSync("ed25519")
      : algorithm === "ES256"
        ? generateKeyPairSync("ec", { namedCurve: "P-256" })
        : generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { sign: signerFor(algorithm, pair.privateKey), publicJwk: pair.publicKey.export({ format: "jwk" }) as Json };
}

/** An HS256 token keyed with any bytes (algorithm confusion uses public keys). */
export function hs256Token(header: Json, claims: Json, secret: string | Buffer): string {
  const input = `${encodeJson(header)}.${encodeJson(claims)}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

/** A token signed with any private key. */
export function asymmetricToken(algorithm: string, header: Json, claims: Json, privateKey: KeyObject): string {
  const input = `${encodeJson(header)}.${encodeJson(claims)}`;
  return `${input}.${signerFor(algorithm, privateKey)(input)}`;
}
