/** The JWS algorithms the remote verifier checks with WebCrypto (RFC 7518 §3, RFC 8037). */
export type WebJwsAlgorithm = "EdDSA" | "ES256" | "RS256" | "HS256";

/**
 * Checks one token's signature, pinned algorithm and `typ` with WebCrypto, and resolves with
 * its payload; the caller checks the claims. The async counterpart of the key ring's verifier.
 * (Its own file, free of WebCrypto types, so the declarations `gatehouse/verify` ships need no
 * DOM or Node type library.)
 */
export type WebKeyVerifier = (token: string) => Promise<Record<string, unknown>>;
