import { type Clock, systemClock } from "../clock.js";
import { GatehouseError, isGatehouseError, MESSAGES } from "../errors.js";
import { JWKS_MAX_AGE_SECONDS } from "../keys/jwks-max-age.js";
import {
  ACCESS_TOKEN_TYP,
  type AccessTokenClaimPolicy,
  checkSignedAccessToken,
  invalidToken,
  readTokenKid,
} from "../tokens/access-token-claims.js";
import { MAX_TOKEN_LENGTH } from "../tokens/bearer.js";
import { requireScopes, splitScopes } from "../tokens/scopes.js";
import type { TokenVerifier, VerifiedToken } from "../tokens/token-verifier.js";
import { createJwksCache, type JwksFetch } from "./jwks-cache.js";
import { JWKS_ALGORITHMS, type JwksAlgorithm, parseJwks } from "./jwks-keys.js";
import { loadSharedSecretVerifiers, type SharedSecretVerifiers } from "./shared-secret.js";
import { subtleCrypto } from "./web-jws-verify.js";
import type { WebKeyVerifier } from "./web-key-verifier.js";

export type { JwksFetch } from "./jwks-cache.js";
export type { JwksAlgorithm } from "./jwks-keys.js";

/** What both kinds of remote verifier are configured with. */
interface RemoteVerifierBaseOptions {
  /** The issuer's `iss` (its `GATEHOUSE_ISSUER` URL), required and checked exactly. */
  issuer: string;
  /** Required in tokens when set; when not, tokens carrying an `aud` are refused, as in the core. */
  audience?: string;
  /** Leeway for `exp`, `nbf` and `iat`, 0–300; default 30. */
  clockSkewSeconds?: number;
  clock?: Clock;
}

/** A verifier that takes the issuer's public keys from its JWKS URL. */
export interface JwksVerifierOptions extends RemoteVerifierBaseOptions {
  /** The issuer's `/.well-known/jwks.json`; HTTPS unless on loopback or `allowInsecureHttp`. */
  jwksUrl: string | URL;
  secret?: never;
  /** Pinned allow-list; default `["EdDSA", "ES256", "RS256"]`. `none` and HMAC are refused. */
  algorithms?: readonly JwksAlgorithm[];
  /** Default `globalThis.fetch`. */
  fetch?: JwksFetch;
  /** Default the server's JWKS `max-age` (`JWKS_MAX_AGE_SECONDS`, 5 minutes). */
  cacheMaxAgeMs?: number;
  /** At most one JWKS fetch per interval, however many unknown kids arrive; default 30 s. */
  minRefetchIntervalMs?: number;
  /** Default 5 s, for the whole response. */
  fetchTimeoutMs?: number;
  /** Allow `http:` to a non-loopback host (a private network you trust); default false. */
  allowInsecureHttp?: boolean;
  /** Hears failed JWKS fetches (the verifier keeps the last good keys), for logging. */
  onFetchError?: (error: Error) => void;
}

/** A verifier for HS256 deployments, which publish no keys: the `GATEHOUSE_SECRET_KEY` shared with the issuer. */
export interface SharedSecretVerifierOptions extends RemoteVerifierBaseOptions {
  secret: string;
  jwksUrl?: never;
}

/** Options for {@link createRemoteVerifier}: a JWKS URL, or a shared HS256 secret. */
export type RemoteVerifierOptions = JwksVerifierOptions | SharedSecretVerifierOptions;

/** Verifies Gatehouse access tokens in another process, by signature and claims alone. */
export type RemoteVerifier = TokenVerifier<VerifiedToken>;

const DEFAULTS = {
  clockSkewSeconds: 30,
  cacheMaxAgeMs: JWKS_MAX_AGE_SECONDS * 1000,
  minRefetchIntervalMs: 30_000,
  fetchTimeoutMs: 5_000,
};
// Gatehouse's JWKS is well under 4 KiB even with a few RSA keys.
const MAX_JWKS_BYTES = 64 * 1024;
const JWKS_ONLY_OPTIONS = [
  "algorithms",
  "fetch",
  "cacheMaxAgeMs",
  "minRefetchIntervalMs",
  "fetchTimeoutMs",
  "allowInsecureHttp",
  "onFetchError",
] as const;

/**
 * Creates a verifier for a resource server in another process: it checks a Gatehouse
 * access token's signature against the issuer's JWKS (or a shared HS256 secret) and runs
 * the same claim checks as the server (`typ`, pinned algorithm, `exp`, `nbf`, `iat`, `iss`, `aud`).
 *
 * It has no database, so it does NOT see revocation, logout, password changes, or disabled
 * or removed users: such a token stays valid here until it expires. Where that matters,
 * ask the issuer (`POST /introspect`, RFC 7662) or keep access token TTLs short.
 *
 * A token naming an unknown `kid` triggers a JWKS refetch (so keys rotated on the issuer
 * work at once), at most once per `minRefetchIntervalMs`.
 *
 * Signatures are checked with WebCrypto, so it runs wherever `globalThis.crypto.subtle` does:
 * Node 20+, browsers, workers, Deno, Bun. Each key remembers the last 1000 tokens whose
 * signature it accepted (a client sends one token many times); their claims are checked anew
 * on every call.
 * @throws TypeError for configuration mistakes, when called.
 * @example
 * const verifier = createRemoteVerifier({
 *   jwksUrl: "https://auth.example.com/.well-known/jwks.json",
 *   issuer: "https://auth.example.com",
 * });
 * const { claims, scopes } = await verifier.verify(token, ["me"]);
 */
export function createRemoteVerifier(options: RemoteVerifierOptions): RemoteVerifier {
  const policy = claimPolicy(options);
  // Signatures are checked with WebCrypto, so this verifier runs in browsers and workers too.
  subtleCrypto();
  const clock = options.clock ?? systemClock;
  const findKey = options.secret !== undefined ? secretKeyFinder(options) : jwksKeyFinder(options, clock);

  return {
    async verify(token, requiredScopes = []) {
      let claims: VerifiedToken["claims"];
      try {
        if (token.length > MAX_TOKEN_LENGTH) throw new Error("token too long");
        const kid = readTokenKid(token);
        const verifyKey = await findKey(kid);
        if (verifyKey === null) throw new Error("unknown key");
        let payload: Record<string, unknown>;
        try {
          payload = await verifyKey(token);
        } catch (cause) {
          throw invalidToken("signature or header rejected", cause);
        }
        claims = checkSignedAccessToken(token, payload, kid === undefined, policy, clock.now());
      } catch (error) {
        if (isGatehouseError(error) && error.code !== "invalid_token") throw error;
        // The reason stays in `cause`; clients hear only that the token is not valid.
        throw new GatehouseError("invalid_token", MESSAGES.invalidToken, { cause: error });
      }
      const scopes = splitScopes(claims.scope);
      requireScopes(requiredScopes, scopes);
      return { claims, scopes };
    },
  };
}

type KeyFinder = (kid: string | undefined) => Promise<WebKeyVerifier | null>;

function secretKeyFinder(options: SharedSecretVerifierOptions): KeyFinder {
  if (typeof options.secret !== "string" || options.secret.length === 0) {
    throw new TypeError("the shared secret must be a non-empty string");
  }
  if (options.jwksUrl !== undefined) throw new TypeError("give either jwksUrl or secret, not both");
  const given = JWKS_ONLY_OPTIONS.filter((name) => Reflect.get(options, name) !== undefined);
  if (given.length > 0) throw new TypeError(`${given.join(", ")} only apply to a JWKS verifier`);
  // The keys a Gatehouse with GATEHOUSE_SECRET_KEY verifies with: the derived kid pins typ,
  // and kid-less tokens are the FastAPI app's (PyJWT) that share the secret. Imported on the
  // first token, since WebCrypto is asynchronous.
  const secret = options.secret;
  let verifiers: Promise<SharedSecretVerifiers> | undefined;
  return async (kid) => {
    verifiers ??= loadSharedSecretVerifiers(secret);
    const loaded = await verifiers;
    if (kid === undefined) return loaded.kidless;
    return kid === loaded.kid ? loaded.withKid : null;
  };
}

function jwksKeyFinder(options: JwksVerifierOptions, clock: Clock): KeyFinder {
  const url = jwksUrl(options);
  const algorithms = allowedAlgorithms(options.algorithms);
  const fetch = options.fetch ?? globalThis.fetch;
  if (typeof fetch !== "function") throw new TypeError("no fetch function: pass options.fetch");
  const cache = createJwksCache({
    url,
    fetch,
    clock,
    maxAgeMs: positiveMs("cacheMaxAgeMs", options.cacheMaxAgeMs ?? DEFAULTS.cacheMaxAgeMs),
    minRefetchIntervalMs: positiveMs(
      "minRefetchIntervalMs",
      options.minRefetchIntervalMs ?? DEFAULTS.minRefetchIntervalMs,
    ),
    timeoutMs: positiveMs("fetchTimeoutMs", options.fetchTimeoutMs ?? DEFAULTS.fetchTimeoutMs),
    maxBytes: MAX_JWKS_BYTES,
    parse: (document) => parseJwks(document, { algorithms, typ: ACCESS_TOKEN_TYP }),
    onFetchError: options.onFetchError,
  });
  // Gatehouse always names the key; a kid-less token cannot be matched to a published key.
  return async (kid) => (kid === undefined ? null : cache.find(kid));
}

function claimPolicy(options: RemoteVerifierOptions): AccessTokenClaimPolicy {
  if (typeof options.issuer !== "string" || options.issuer.length === 0) {
    throw new TypeError("the issuer is required and must not be empty");
  }
  if (options.audience !== undefined && (typeof options.audience !== "string" || options.audience.length === 0)) {
    throw new TypeError("the audience must not be empty");
  }
  const skew = options.clockSkewSeconds ?? DEFAULTS.clockSkewSeconds;
  if (!Number.isInteger(skew) || skew < 0 || skew > 300) throw new TypeError("clock skew must be 0–300 seconds");
  return { issuer: options.issuer, audience: options.audience, clockSkewSeconds: skew };
}

function jwksUrl(options: JwksVerifierOptions): string {
  let url: URL;
  try {
    url = new URL(options.jwksUrl);
  } catch {
    throw new TypeError("jwksUrl must be an absolute URL");
  }
  if (url.protocol === "https:") return url.href;
  if (url.protocol !== "http:") throw new TypeError("jwksUrl must be an http(s) URL");
  // Keys fetched over plain HTTP can be swapped in transit, and then any token verifies.
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  if (!loopback && options.allowInsecureHttp !== true) {
    throw new TypeError("jwksUrl must use https (or set allowInsecureHttp for a trusted private network)");
  }
  return url.href;
}

function allowedAlgorithms(algorithms: readonly string[] | undefined): Set<JwksAlgorithm> {
  const list = algorithms ?? JWKS_ALGORITHMS;
  if (!Array.isArray(list) || list.length === 0) throw new TypeError("algorithms must be a non-empty list");
  for (const name of list) {
    if (!(JWKS_ALGORITHMS as readonly string[]).includes(name)) {
      throw new TypeError(
        `algorithm ${String(name)} cannot be used with a JWKS (allowed: ${JWKS_ALGORITHMS.join(", ")}; ` +
          "HS256 deployments publish no keys: use secret)",
      );
    }
  }
  return new Set(list as readonly JwksAlgorithm[]);
}

function positiveMs(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`${name} must be a positive number of milliseconds`);
  return value;
}
