import type { Clock } from "../clock.js";
import { GatehouseError } from "../errors.js";
import type { WebKeyVerifier } from "./web-key-verifier.js";

/** The part of the fetch API a JWKS cache uses; `globalThis.fetch` fits. */
export type JwksFetch = (url: string, init: RequestInit) => Promise<Response>;

/** Options for {@link createJwksCache}. */
export interface JwksCacheOptions {
  url: string;
  fetch: JwksFetch;
  clock: Clock;
  /** Keys are refetched on the first use after this age. */
  maxAgeMs: number;
  /** At most one fetch starts per interval, whatever `kid`s tokens name. */
  minRefetchIntervalMs: number;
  timeoutMs: number;
  /** Responses larger than this are refused. */
  maxBytes: number;
  /** Turns the parsed, untrusted document into verifiers by kid; rejects when it is not a JWK Set. */
  parse: (document: unknown) => Promise<Map<string, WebKeyVerifier>>;
  /** Hears every failed fetch (the verifier itself keeps serving the last good keys). */
  onFetchError?: ((error: Error) => void) | undefined;
}

/** The keys of a remote JWKS, fetched lazily and refetched when stale or when a token names an unknown kid. */
export interface JwksCache {
  /**
   * The verifier for `kid`, or `null` when the key set has no such key.
   * @throws GatehouseError `store_unavailable` while no key set has ever been fetched.
   */
  find(kid: string): Promise<WebKeyVerifier | null>;
}

/** Creates a JWKS cache; nothing is fetched until the first token arrives. */
export function createJwksCache(options: JwksCacheOptions): JwksCache {
  const { clock } = options;
  let keys: Map<string, WebKeyVerifier> | null = null;
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let attemptedAt = Number.NEGATIVE_INFINITY;
  let lastError: Error | null = null;
  let inflight: Promise<void> | null = null;

  const refetch = (): Promise<void> => {
    attemptedAt = clock.now();
    inflight = fetchKeySet(options)
      .then(
        (fresh) => {
          keys = fresh;
          fetchedAt = clock.now();
          lastError = null;
        },
        (error: unknown) => {
          // The last good keys stay in use: an issuer's brief outage must not fail every request.
          lastError = error instanceof Error ? error : new Error("JWKS fetch failed");
          options.onFetchError?.(lastError);
        },
      )
      .finally(() => {
        inflight = null;
      });
    return inflight;
  };

  return {
    async find(kid) {
      const now = clock.now();
      const known = keys?.get(kid) ?? null;
      if (known !== null && now - fetchedAt < options.maxAgeMs) return known;
      // Unknown kids come from tokens, so anyone can send them: the interval keeps forged
      // kids from turning us into a load generator against the issuer.
      if (inflight !== null) await inflight;
      else if (now - attemptedAt >= options.minRefetchIntervalMs) await refetch();
      if (keys === null) {
        throw new GatehouseError("store_unavailable", "The token signing keys could not be loaded", {
          cause: lastError ?? new Error("JWKS not fetched yet"),
        });
      }
      return keys.get(kid) ?? null;
    },
  };
}

async function fetchKeySet(options: JwksCacheOptions): Promise<Map<string, WebKeyVerifier>> {
  // Called without a receiver: browsers' fetch throws "Illegal invocation" when `this` is not the global.
  const { fetch } = options;
  const response = await fetch(options.url, {
    headers: { accept: "application/jwk-set+json, application/json" },
    // A redirect could lead anywhere, including to plain HTTP: configure the final URL.
    redirect: "error",
    signal: AbortSignal.timeout(options.timeoutMs),
  });
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined);
    throw new Error(`JWKS request answered HTTP ${response.status}`);
  }
  const text = await readBoundedText(response, options.maxBytes);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new Error("the JWKS response is not JSON");
  }
  return options.parse(document);
}

async function readBoundedText(response: Response, maxBytes: number): Promise<string> {
  const tooLarge = () => new Error(`the JWKS response is larger than ${maxBytes} bytes`);
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    // Content-Length can lie or be absent (chunked): count what actually arrives.
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(concatBytes(chunks, total));
  } catch {
    throw new Error("the JWKS response is not UTF-8");
  }
}

function concatBytes(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
