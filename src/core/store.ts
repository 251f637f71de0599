/**
 * What the core needs from persistence. Stores (memory, SQLite, PostgreSQL) implement
 * these interfaces; the core never imports a store. Absence is `null`, a duplicate
 * username is a `GatehouseError("user_exists")`, a driver failure is
 * `GatehouseError("store_unavailable")` with the driver error as `cause`.
 */

/** A user as the store keeps it, password hash included. Never serialise this. */
export interface StoredUser {
  /** The username as given at creation (NFKC-normalised). */
  username: string;
  email: string;
  fullName: string;
  disabled: boolean;
  scopes: string[];
  passwordHash: string;
  /** Milliseconds; tokens issued before this instant are invalid (password change, logout-all, re-creation). */
  tokensValidAfter: number;
  createdAt: number;
  updatedAt: number;
}

/** Fields needed to create a user. */
export interface NewUser {
  username: string;
  email: string;
  fullName: string;
  disabled: boolean;
  scopes: string[];
  passwordHash: string;
}

/** Fields an update may change; absent fields stay as they are. */
export interface UserPatch {
  email?: string;
  fullName?: string;
  disabled?: boolean;
  scopes?: string[];
  passwordHash?: string;
  /** Invalidate every token issued before this instant (milliseconds). */
  tokensValidAfter?: number;
}

/** One page of users, ordered by case-folded username. */
export interface UserPage {
  users: StoredUser[];
  /** Pass as `cursor` to get the next page; `null` on the last page. */
  nextCursor: string | null;
}

/** Users, looked up by case-folded username. */
export interface UserStore {
  findUserByUsername(username: string): Promise<StoredUser | null>;
  createUser(user: NewUser, now: number): Promise<StoredUser>;
  updateUser(username: string, patch: UserPatch, now: number): Promise<StoredUser | null>;
  /** Removes the user and everything that hangs off it (refresh tokens). */
  deleteUser(username: string): Promise<boolean>;
  listUsers(options: { limit: number; cursor: string | null }): Promise<UserPage>;
}

/** A signing key as stored. Secrets are PEM (asymmetric) or base64url (HMAC). */
export interface StoredSigningKey {
  kid: string;
  algorithm: string;
  /** PEM private key, or the HMAC secret as base64url. */
  privateKey: string;
  /** PEM public key; empty for HMAC keys. */
  publicKey: string;
  createdAt: number;
  /** When set, the key no longer signs; it verifies until `retireAt`. */
  supersededAt: number | null;
}

/** Signing keys, kept with the database so tokens survive restarts. */
export interface KeyStore {
  listSigningKeys(): Promise<StoredSigningKey[]>;
  /** Adds a key and marks every other key of the store superseded at `now`. */
  addSigningKey(key: StoredSigningKey, now: number): Promise<void>;
  /** Deletes keys superseded before `before` (their tokens have all expired). */
  deleteSigningKeysSupersededBefore(before: number): Promise<number>;
}

/** A store that can say whether it is reachable and can be closed. */
export interface StoreLifecycle {
  /** Resolves when the database answers; rejects otherwise. */
  ping(): Promise<void>;
  /**
   * A number that changes whenever another process has written to the database since
   * the last call, so a server can notice CLI changes without scanning.
   */
  changeVersion(): Promise<number>;
  close(): Promise<void>;
}

/** Everything a Gatehouse needs from one database. */
export interface GatehouseStore extends UserStore, KeyStore, StoreLifecycle {
  /** A short name for logs and metrics: "memory", "sqlite", "postgres". */
  readonly kind: string;
}
