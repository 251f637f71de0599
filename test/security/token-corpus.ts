import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { asymmetricToken, type CorpusTarget, createForge, encodeJson, hs256Token } from "./token-forge.js";
import {
  claimsText,
  derEcdsaToken,
  encodeWithUnusedBits,
  flipByte,
  impossibleTail,
  nonCanonicalEd25519,
  padded,
  standardAlphabet,
  standardSignature,
  withTrailingBits,
} from "./token-mutations.js";

export type { CorpusTarget } from "./token-forge.js";

/** One hostile token and what is wrong with it. */
export interface HostileToken {
  name: string;
  token: string;
}

/**
 * Builds the hostile token corpus for one server. Every valid-shaped token is signed with the
 * server's real key, so the one broken property is the only reason it can fail; the control
 * token ({@link validToken}) proves the rest of the shape is right.
 */
export function buildHostileTokens(target: CorpusTarget): HostileToken[] {
  const forge = createForge(target);
  const { key, now } = target;
  const hmac = key.algorithm === "HS256";
  const cases: HostileToken[] = [];
  const add = (name: string, token: string) => cases.push({ name, token });
  const valid = forge.sign(forge.header(), forge.claims());
  const [validHeader = "", validPayload = "", validSignature = ""] = valid.split(".");

  // alg "none" in every spelling, unsigned and carrying the real signature.
  for (const alg of ["none", "None", "NONE", "nOnE"]) {
    const input = `${encodeJson(forge.header({ alg }))}.${validPayload}`;
    add(`alg ${alg} without a signature`, `${input}.`);
    add(`alg ${alg} with a real signature of its input`, `${input}.${forge.signature(input)}`);
    add(`alg ${alg} with only two segments`, input);
  }
  add(
    "alg written in lower case (hs256/rs256…), correctly signed",
    forge.sign(forge.header({ alg: key.algorithm.toLowerCase() }), forge.claims()),
  );
  add("alg missing from the header", forge.sign(forge.header({ alg: undefined }), forge.claims()));

  // Algorithm confusion: HS256 keyed with the server's public key, in every form it is published.
  if (!hmac) {
    const publicPem = key.publicKey;
    const publicJwk = createPublicKey(publicPem).export({ format: "jwk" });
    const der = createPublicKey(publicPem).export({ format: "der", type: "spki" });
    const confused = (secret: string | Buffer) => hs256Token(forge.header({ alg: "HS256" }), forge.claims(), secret);
    add("HS256 keyed with the server's public key (PEM)", confused(publicPem));
    add("HS256 keyed with the server's public key (PEM without its final newline)", confused(publicPem.trimEnd()));
    add("HS256 keyed with the server's public key (JWK JSON)", confused(JSON.stringify(publicJwk)));
    add(
      "HS256 keyed with the server's public key (JWKS JSON)",
      confused(JSON.stringify({ keys: [{ ...publicJwk, kid: key.kid, alg: key.algorithm, use: "sig" }] })),
    );
    add("HS256 keyed with the server's public key (DER)", confused(der));
  } else {
    const attacker = generateKeyPairSync("rsa", { modulusLength: 2048 });
    add(
      "RS256 signed with an attacker's RSA key, naming the server's HMAC kid",
      asymmetricToken("RS256", forge.header({ alg: "RS256" }), forge.claims(), attacker.privateKey),
    );
  }

  // Wrong key and tampering.
  add("signed with another key of the same algorithm", forge.signWithStranger(forge.header(), forge.claims()));
  add(
    "header tampered after signing (typ changed)",
    `${encodeJson(forge.header({ typ: "JWT" }))}.${validPayload}.${validSignature}`,
  );
  add(
    "payload tampered after signing (sub changed to root)",
    `${validHeader}.${encodeJson(forge.claims({ sub: "root", scope: "me admin" }))}.${validSignature}`,
  );
  add("signature with one byte flipped", `${validHeader}.${validPayload}.${flipByte(validSignature)}`);
  add(
    "signature of another valid token",
    `${validHeader}.${validPayload}.${forge.sign(forge.header(), forge.claims()).split(".")[2]}`,
  );
  add("signature segment empty", `${validHeader}.${validPayload}.`);
  add("signature segment missing (two segments)", `${validHeader}.${validPayload}`);
  add("header segment only", validHeader);
  add("payload segment empty", `${validHeader}..${validSignature}`);
  add("header segment empty", `.${validPayload}.${validSignature}`);
  add("an extra fourth segment", `${valid}.${validSignature}`);
  add("an extra trailing dot", `${valid}.`);
  add(
    "JWE-shaped (five segments)",
    `${validHeader}.${validPayload}.${validSignature}.${validSignature}.${validSignature}`,
  );
  add("signature truncated by one character", valid.slice(0, -1));
  add("signature with one extra character", `${valid}A`);

  // kid injection: correctly signed, but the kid names no key of ours.
  add("kid path traversal ../../etc/passwd", forge.sign(forge.header({ kid: "../../etc/passwd" }), forge.claims()));
  add(
    "kid path traversal to /dev/null",
    forge.sign(forge.header({ kid: "../../../../../../dev/null" }), forge.claims()),
  );
  add("kid SQL injection ' OR '1'='1", forge.sign(forge.header({ kid: "' OR '1'='1" }), forge.claims()));
  add(
    "kid SQL injection with UNION SELECT",
    forge.sign(forge.header({ kid: `x' UNION SELECT '${key.privateKey.slice(0, 8)}' --` }), forge.claims()),
  );
  add("kid of 2000 characters", forge.sign(forge.header({ kid: "k".repeat(2000) }), forge.claims()));
  add("kid empty", forge.sign(forge.header({ kid: "" }), forge.claims()));
  add("kid as a number", forge.sign(forge.header({ kid: 1 }), forge.claims()));
  add("kid as an array holding the real kid", forge.sign(forge.header({ kid: [key.kid] }), forge.claims()));
  add("kid with a NUL byte", forge.sign(forge.header({ kid: `${key.kid}\u0000` }), forge.claims()));
  add(
    "kid of the server's key in upper case",
    forge.sign(forge.header({ kid: key.kid.toUpperCase() }), forge.claims()),
  );
  add("kid __proto__", forge.sign(forge.header({ kid: "__proto__" }), forge.claims()));

  // Key injection: the attacker signs with their own key and points the server at it.
  const stranger = forge.strangerKey();
  add(
    "jwk header carrying the attacker's own key, signed with it",
    forge.signWithStranger(forge.header({ jwk: stranger.publicJwk }), forge.claims()),
  );
  add(
    "jwk header carrying the attacker's own key, under an unknown kid",
    forge.signWithStranger(forge.header({ kid: "attacker", jwk: stranger.publicJwk }), forge.claims()),
  );
  add(
    "jku header pointing at the attacker's JWKS",
    forge.signWithStranger(forge.header({ jku: "https://attacker.example/jwks.json" }), forge.claims()),
  );
  add(
    "x5u header pointing at the attacker's certificate",
    forge.signWithStranger(forge.header({ x5u: "https://attacker.example/cert.pem" }), forge.claims()),
  );
  add(
    "x5c header with a made-up certificate chain",
    forge.signWithStranger(
      forge.header({ x5c: [Buffer.from("not a certificate").toString("base64")] }),
      forge.claims(),
    ),
  );

  // crit (RFC 7515 §4.1.11): extensions we do not understand must fail the token.
  add(
    "crit naming an unknown extension",
    forge.sign(forge.header({ crit: ["exp-bound"], "exp-bound": true }), forge.claims()),
  );
  add("crit naming a registered header", forge.sign(forge.header({ crit: ["alg"] }), forge.claims()));
  add("crit empty", forge.sign(forge.header({ crit: [] }), forge.claims()));
  add("crit not an array", forge.sign(forge.header({ crit: "b64", b64: false }), forge.claims()));

  // Time claims.
  add("expired an hour ago", forge.sign(forge.header(), forge.claims({ iat: now - 7200, exp: now - 3600 })));
  add("not valid before an hour from now (nbf)", forge.sign(forge.header(), forge.claims({ nbf: now + 3600 })));
  add("issued a year in the future (iat)", forge.sign(forge.header(), forge.claims({ iat: now + 365 * 86400 })));
  add("exp missing", forge.sign(forge.header(), forge.claims({ exp: undefined })));
  add("exp as a numeric string", forge.sign(forge.header(), forge.claims({ exp: String(now + 600) })));
  add("exp as a huge number (1e308)", forge.sign(forge.header(), forge.claims({ exp: 1e308 })));
  add("exp in the year 2286 (9999999999)", forge.sign(forge.header(), forge.claims({ exp: 9_999_999_999 })));
  add("exp negative", forge.sign(forge.header(), forge.claims({ exp: -1 })));
  add("exp null", forge.sign(forge.header(), forge.claims({ exp: null })));
  add("exp true", forge.sign(forge.header(), forge.claims({ exp: true })));
  add("exp as an array", forge.sign(forge.header(), forge.claims({ exp: [now + 600] })));
  add("exp the string NaN", forge.sign(forge.header(), forge.claims({ exp: "NaN" })));
  add(
    "exp 1e999 (parses as Infinity)",
    forge.signRaw(JSON.stringify(forge.header()), claimsText(forge.claims({ exp: 0 }), "exp", "1e999")),
  );
  add(
    "exp NaN (not JSON)",
    forge.signRaw(JSON.stringify(forge.header()), claimsText(forge.claims({ exp: 0 }), "exp", "NaN")),
  );
  add("iat as a string", forge.sign(forge.header(), forge.claims({ iat: String(now) })));
  add("nbf as a string", forge.sign(forge.header(), forge.claims({ nbf: String(now - 60) })));

  // Who and for whom.
  add("wrong iss", forge.sign(forge.header(), forge.claims({ iss: "https://attacker.example" })));
  add("iss missing", forge.sign(forge.header(), forge.claims({ iss: undefined })));
  add("iss as an array holding the right issuer", forge.sign(forge.header(), forge.claims({ iss: [target.issuer] })));
  add("aud for another service", forge.sign(forge.header(), forge.claims({ aud: "https://other.example" })));
  add("typ JWT instead of at+jwt", forge.sign(forge.header({ typ: "JWT" }), forge.claims()));
  add("typ missing", forge.sign(forge.header({ typ: undefined }), forge.claims()));
  add("typ of an ID token (id_token+jwt)", forge.sign(forge.header({ typ: "id_token+jwt" }), forge.claims()));
  add("sub missing", forge.sign(forge.header(), forge.claims({ sub: undefined })));
  add("sub empty", forge.sign(forge.header(), forge.claims({ sub: "" })));
  add("sub of an unknown user", forge.sign(forge.header(), forge.claims({ sub: "mallory" })));
  add("sub as a number", forge.sign(forge.header(), forge.claims({ sub: 0 })));
  add("sub as an array", forge.sign(forge.header(), forge.claims({ sub: [target.subject] })));
  add("sub with a NUL byte appended", forge.sign(forge.header(), forge.claims({ sub: `${target.subject}\u0000` })));
  add("sub of 1000 characters", forge.sign(forge.header(), forge.claims({ sub: "a".repeat(1000) })));
  add("jti missing", forge.sign(forge.header(), forge.claims({ jti: undefined })));
  add("scope as an array", forge.sign(forge.header(), forge.claims({ scope: ["me"] })));

  // Duplicate JSON keys: parsers disagree on which one wins, so a strict verifier refuses both.
  const claims = forge.claims();
  add(
    "payload with a duplicate sub (johndoe, then root)",
    forge.signRaw(JSON.stringify(forge.header()), `${JSON.stringify(claims).slice(0, -1)},"sub":"root"}`),
  );
  add(
    "payload with a duplicate sub of the same value",
    forge.signRaw(
      JSON.stringify(forge.header()),
      `${JSON.stringify(claims).slice(0, -1)},"sub":${JSON.stringify(target.subject)}}`,
    ),
  );
  add(
    "payload with a duplicate exp (expired, then valid)",
    forge.signRaw(JSON.stringify(forge.header()), `{"exp":${now - 3600},${JSON.stringify(claims).slice(1)}`),
  );
  add(
    "payload with a duplicate key spelled with a unicode escape (s\\u0075b)",
    forge.signRaw(JSON.stringify(forge.header()), `${JSON.stringify(claims).slice(0, -1)},"s\\u0075b":"root"}`),
  );
  add(
    "header with a duplicate alg (none, then the real one)",
    forge.signRaw(`{"alg":"none",${JSON.stringify(forge.header()).slice(1)}`, JSON.stringify(claims)),
  );
  add(
    "header with a duplicate kid (unknown, then the real one)",
    forge.signRaw(`{"kid":"../../etc/passwd",${JSON.stringify(forge.header()).slice(1)}`, JSON.stringify(claims)),
  );

  // Non-canonical base64url: each is correctly signed over its own bytes.
  add("header segment with = padding", forge.signSegments(`${padded(encodeJson(forge.header()))}`, encodeJson(claims)));
  add("payload segment with = padding", forge.signSegments(encodeJson(forge.header()), padded(encodeJson(claims))));
  add("signature segment with = padding", `${validHeader}.${validPayload}.${padded(validSignature)}`);
  add("payload in standard base64 (+ and /)", forge.signSegments(validHeader, standardAlphabet(claims)));
  add("signature in standard base64 (+ and /)", standardSignature(forge, validHeader, validPayload));
  const oddHeader = encodeWithUnusedBits((pad) => forge.header({ pad }));
  const oddPayload = encodeWithUnusedBits((pad) => forge.claims({ pad }));
  add("header segment with non-zero trailing bits", forge.signSegments(withTrailingBits(oddHeader), validPayload));
  add("payload segment with non-zero trailing bits", forge.signSegments(validHeader, withTrailingBits(oddPayload)));
  add(
    "signature segment with non-zero trailing bits",
    `${validHeader}.${validPayload}.${withTrailingBits(validSignature)}`,
  );
  add(
    "payload segment of impossible length (4n+1)",
    forge.signSegments(validHeader, `${validPayload}${impossibleTail(validPayload)}`),
  );
  add(
    "payload segment with an embedded space",
    `${validHeader}.${validPayload.slice(0, 10)} ${validPayload.slice(10)}.${validSignature}`,
  );
  add(
    "payload segment with a percent-encoded line break",
    `${validHeader}.${validPayload.slice(0, 10)}%0A${validPayload.slice(10)}.${validSignature}`,
  );

  // Not JSON objects.
  for (const [label, text] of [
    ["not JSON", "this is not json"],
    ["a JSON array", "[]"],
    ["JSON null", "null"],
    ["a JSON string", '"johndoe"'],
    ["a JSON number", "42"],
    ["JSON with a byte-order mark", `\ufeff${JSON.stringify(claims)}`],
    ["truncated JSON", JSON.stringify(claims).slice(0, -1)],
    ["JSON followed by garbage", `${JSON.stringify(claims)}x`],
  ] as const) {
    add(`payload is ${label}`, forge.signRaw(JSON.stringify(forge.header()), text));
  }
  for (const [label, text] of [
    ["not JSON", "this is not json"],
    ["a JSON array", `[${JSON.stringify(forge.header())}]`],
    ["JSON null", "null"],
  ] as const) {
    add(`header is ${label}`, forge.signRaw(text, JSON.stringify(claims)));
  }
  add(
    "payload is invalid UTF-8",
    forge.signSegments(validHeader, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString("base64url")),
  );
  // Review finding 13: valid JSON whose string holds a byte that is not UTF-8 was accepted.
  add(
    "a claim holding invalid UTF-8 (0xFF) in otherwise valid JSON",
    forge.signSegments(
      validHeader,
      Buffer.concat([
        Buffer.from(`${JSON.stringify(claims).slice(0, -1)},"note":"`),
        Buffer.from([0xff]),
        Buffer.from('"}'),
      ]).toString("base64url"),
    ),
  );

  // Size and character set.
  add(
    "oversized: a 100 KB correctly signed token",
    forge.sign(forge.header(), forge.claims({ pad: "x".repeat(100 * 1024) })),
  );
  add("a 100 KB token of garbage", `${"A".repeat(50 * 1024)}.${"B".repeat(50 * 1024)}.${"C".repeat(1024)}`);
  add("unicode characters in a segment", `${validHeader}.${validPayload}é.${validSignature}`);
  add("a NUL byte in a segment", `${validHeader}.${validPayload}\u0000.${validSignature}`);
  add("a homoglyph dot (U+2024) between segments", `${validHeader}\u2024${validPayload}\u2024${validSignature}`);
  add("only dots", "..");

  if (key.algorithm === "ES256") {
    add(
      "ES256 signature of all zeros (psychic signature, CVE-2022-21449)",
      `${validHeader}.${validPayload}.${Buffer.alloc(64).toString("base64url")}`,
    );
    add("ES256 signature DER-encoded instead of r||s", derEcdsaToken(validHeader, validPayload, key));
  }
  if (key.algorithm === "EdDSA") {
    add(
      "EdDSA signature with S + L (non-canonical scalar)",
      `${validHeader}.${validPayload}.${nonCanonicalEd25519(validSignature)}`,
    );
  }
  if (key.algorithm === "RS256") {
    add(
      "RS256 signature with a leading zero byte",
      `${validHeader}.${validPayload}.${Buffer.concat([Buffer.alloc(1), Buffer.from(validSignature, "base64url")]).toString("base64url")}`,
    );
  }
  return cases;
}
/** A correctly signed token for the target's subject; the control that must be accepted. */
export function validToken(target: CorpusTarget): string {
  const forge = createForge(target);
  return forge.sign(forge.header(), forge.claims());
}
