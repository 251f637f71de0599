import type { Clock } from "../clock.js";
import { GatehouseError } from "../errors.js";
import type { KeyStore } from "../store.js";
import { ACCESS_TOKEN_TYP } from "../tokens/access-token.js";
import { createKeyRing, type KeyRing } from "./key-ring.js";
import { describeSigningKeys, type SigningKeyStatus } from "./key-states.js";
import { configuredSecretKey, generateSigningKey, loadSigningKey, type SigningAlgorithm } from "./signing-keys.js";

/** Options for {@link createKeyManager}. */
export interface KeyManagerOptions {
  store: KeyStore;
  /** Absent: whatever the store's current key uses, HS256 for a new store. */
  algorithm: SigningAlgorithm | undefined;
  secretKey: string | undefined;
  /** How long a superseded key keeps verifying: the access token TTL plus clock skew, in ms. */
  retireAfterMs: number;
  /**
   * How long a new key is in the JWKS before it signs, in ms: the JWKS max-age, so resource
   * servers that cache the JWKS as its Cache-Control allows have it before its first token.
   */
  publishAheadMs: number;
  clock: Clock;
}

/** Owns the key ring: creates the first key, rotates, retires, reloads after other processes rotate. */
export interface KeyManager {
  /** A key created at start: on a new store, or because the configured algorithm changed; null otherwise. */
  readonly created: CreatedKey | null;
  ring(): KeyRing;
  /** Re-reads keys from the store (another process may have rotated). */
  reload(): Promise<void>;
  /**
   * Publishes a new key that signs from `publishAheadMs` on (at once on a store without keys);
   * the one it replaces verifies until its tokens have expired.
   */
  rotate(algorithm?: SigningAlgorithm): Promise<CreatedKey>;
  /** Every key with its state, newest first, from the store as it is now. */
  list(): Promise<SigningKeyStatus[]>;
}

/** A key {@link KeyManager} added. */
export interface CreatedKey {
  kid: string;
  algorithm: SigningAlgorithm;
  /** The store had no key: this one signs at once. */
  newStore: boolean;
  /** When it starts signing (ms since the epoch). */
  signsFrom: number;
}

/**
 * Loads the keys, creating a key of the configured algorithm when the store has none
 * (first start, or the algorithm was changed: that is a rotation too).
 */
export async function createKeyManager(options: KeyManagerOptions): Promise<KeyManager> {
  const { store, clock } = options;
  const configured = options.secretKey === undefined ? undefined : configuredSecretKey(options.secretKey);
  let ring: KeyRing;
  let fingerprint: string | null = null;

  // A ring is rebuilt only when the key set really changed (a store's change counter also
  // moves for logins and logouts), so reloads stay cheap.
  const build = async (): Promise<KeyRing> => {
    // A key superseded ahead of time signs until then: its tokens outlive that moment by the TTL.
    await store.deleteSigningKeysSupersededBefore(clock.now() - options.retireAfterMs);
    const listed = await store.listSigningKeys();
    const next = listed.map((key) => `${key.kid}:${key.supersededAt ?? ""}`).join(",");
    if (next === fingerprint) return ring;
    fingerprint = next;
    const stored = listed.map(loadSigningKey);
    const keys = configured ? [...stored.map(supersede), configured] : stored;
    return createKeyRing({
      keys,
      typ: ACCESS_TOKEN_TYP,
      ...(configured ? { kidlessKey: configured } : {}),
    });
  };

  // The newest key is the one that signs last: current, or next while it waits for its turn.
  const newestKey = async () => (await store.listSigningKeys()).find((key) => key.supersededAt === null);

  const addKey = async (algorithm: SigningAlgorithm): Promise<CreatedKey> => {
    const now = clock.now();
    const newStore = (await newestKey()) === undefined;
    // The keys it replaces sign until then (the store supersedes them at that moment, ahead).
    const signsFrom = newStore ? now : now + options.publishAheadMs;
    const key = generateSigningKey(algorithm, now);
    await store.addSigningKey(key, signsFrom);
    return { kid: key.kid, algorithm, newStore, signsFrom };
  };

  const ensureCurrentKey = async (): Promise<KeyManager["created"]> => {
    if (configured) return null;
    const newest = await newestKey();
    const wanted = options.algorithm ?? (newest?.algorithm as SigningAlgorithm | undefined) ?? "HS256";
    if (newest?.algorithm === wanted) return null;
    return addKey(wanted);
  };

  const created = await ensureCurrentKey();
  ring = await build();

  return {
    created,
    ring: () => ring,
    async reload() {
      ring = await build();
    },
    async rotate(algorithm) {
      if (configured) {
        throw new GatehouseError(
          "validation_failed",
          "the HS256 key comes from GATEHOUSE_SECRET_KEY; change it there to rotate",
        );
      }
      const newest = await newestKey();
      const created = await addKey(
        algorithm ?? options.algorithm ?? (newest?.algorithm as SigningAlgorithm | undefined) ?? "HS256",
      );
      ring = await build();
      return created;
    },
    async list() {
      const stored = (await store.listSigningKeys()).map(loadSigningKey);
      const keys = configured ? [...stored.map(supersede), configured] : stored;
      return describeSigningKeys(keys, clock.now(), options.retireAfterMs);
    },
  };
}

// With a configured secret, stored keys only verify (tokens signed before the secret was set).
function supersede<T extends { supersededAt: number | null; createdAt: number }>(key: T): T {
  return key.supersededAt === null ? { ...key, supersededAt: key.createdAt } : key;
}
