import type { AuditContext } from "../audit/audit-event.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { Clock } from "../clock.js";
import { GatehouseError } from "../errors.js";
import type { KeyStore } from "../store.js";
import { ACCESS_TOKEN_TYP } from "../tokens/access-token.js";
import { createKeyRing, type KeyRing } from "./key-ring.js";
import { configuredSecretKey, generateSigningKey, loadSigningKey, type SigningAlgorithm } from "./signing-keys.js";

/** Options for {@link createKeyManager}. */
export interface KeyManagerOptions {
  store: KeyStore;
  /** Absent: whatever the store's current key uses, HS256 for a new store. */
  algorithm: SigningAlgorithm | undefined;
  secretKey: string | undefined;
  /** How long a superseded key keeps verifying: the access token TTL plus clock skew, in ms. */
  retireAfterMs: number;
  clock: Clock;
  /** Where `keys.rotated` is recorded; nothing is when absent. */
  audit?: AuditLog;
}

/** Owns the key ring: creates the first key, rotates, retires, reloads after other processes rotate. */
export interface KeyManager {
  /** A key created at start: on a new store, or because the configured algorithm changed; null otherwise. */
  readonly created: { kid: string; algorithm: SigningAlgorithm; newStore: boolean } | null;
  ring(): KeyRing;
  /** Re-reads keys from the store (another process may have rotated). */
  reload(): Promise<void>;
  /** Adds a new current key; the old one verifies until its tokens have expired. Returns the new kid. */
  rotate(context?: AuditContext): Promise<string>;
}

/**
 * Loads the keys, creating a key of the configured algorithm when the store has none
 * (first start, or the algorithm was changed: that is a rotation too).
 */
export async function createKeyManager(options: KeyManagerOptions): Promise<KeyManager> {
  const { store, clock, audit } = options;
  const rotated = (kid: string, algorithm: string, reason: string, context?: AuditContext) =>
    audit?.event("keys.rotated", {
      ...(context === undefined ? {} : { context }),
      details: { kid, algorithm, reason },
    }) ?? [];
  const configured = options.secretKey === undefined ? undefined : configuredSecretKey(options.secretKey);
  let ring: KeyRing;
  let fingerprint: string | null = null;

  // A ring is rebuilt only when the key set really changed (a store's change counter also
  // moves for logins and logouts), so reloads stay cheap.
  const build = async (): Promise<KeyRing> => {
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

  const ensureCurrentKey = async (): Promise<KeyManager["created"]> => {
    if (configured) return null;
    const current = (await store.listSigningKeys()).find((key) => key.supersededAt === null);
    const wanted = options.algorithm ?? (current?.algorithm as SigningAlgorithm | undefined) ?? "HS256";
    if (current?.algorithm === wanted) return null;
    const key = generateSigningKey(wanted, clock.now());
    const reason = current === undefined ? "first key" : "algorithm changed";
    await store.addSigningKey(key, clock.now(), rotated(key.kid, wanted, reason));
    return { kid: key.kid, algorithm: wanted, newStore: current === undefined };
  };

  const created = await ensureCurrentKey();
  ring = await build();

  return {
    created,
    ring: () => ring,
    async reload() {
      ring = await build();
    },
    async rotate(context) {
      if (configured) {
        throw new GatehouseError(
          "validation_failed",
          "the HS256 key comes from GATEHOUSE_SECRET_KEY; change it there to rotate",
        );
      }
      const key = generateSigningKey(options.algorithm ?? ring.current.key.algorithm, clock.now());
      await store.addSigningKey(key, clock.now(), rotated(key.kid, key.algorithm, "rotation", context));
      ring = await build();
      return key.kid;
    },
  };
}

// With a configured secret, stored keys only verify (tokens signed before the secret was set).
function supersede<T extends { supersededAt: number | null; createdAt: number }>(key: T): T {
  return key.supersededAt === null ? { ...key, supersededAt: key.createdAt } : key;
}
