/**
 * What the core needs from persistence. Stores (memory, SQLite, PostgreSQL) implement
 * these interfaces; the core never imports a store. Absence is `null`, a duplicate
 * username is a `GatehouseError("user_exists")`, a driver failure is
 * `GatehouseError("store_unavailable")` with the driver error as `cause`.
 */

import type { SharedLoginAttempts } from "./throttle/attempt-store.js";

export type { SharedLoginAttempts };

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
  /**
   * Creates up to 1000 users in one transaction, each with `tokensValidAfter` = `now` as
   * {@link UserStore.createUser} would. A username that already exists, case-insensitively,
   * or that an earlier user of the batch takes, is `"exists"` and left untouched.
   * @returns one outcome per user, in the order given.
   * @throws GatehouseError `validation_failed` for more than 1000 users, creating none.
   */
  createUsers(users: readonly NewUser[], now: number): Promise<Array<"created" | "exists">>;
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
  /** When set, the key stops signing at this moment (it may be ahead); it verifies until its tokens expire. */
  supersededAt: number | null;
}

/** Signing keys, kept with the database so tokens survive restarts. */
export interface KeyStore {
  listSigningKeys(): Promise<StoredSigningKey[]>;
  /**
   * Adds a key and marks every other key of the store not yet superseded as superseded at
   * `supersedeAt`: usually a moment ahead, when the new key takes over signing (until then the
   * old one signs and the new one is only published).
   */
  addSigningKey(key: StoredSigningKey, supersedeAt: number): Promise<void>;
  /** Deletes keys superseded before `before` (their tokens have all expired). */
  deleteSigningKeysSupersededBefore(before: number): Promise<number>;
}

/**
 * A refresh token as stored: only its SHA-256 hash, never the token. Every refresh token
 * belongs to a family (one login session); access tokens carry the family as `sid`.
 */
export interface StoredRefreshToken {
  /** base64url SHA-256 of the opaque token. */
  tokenHash: string;
  familyId: string;
  /** The owner's username as stored. */
  username: string;
  clientId: string | null;
  /** Space-separated scopes the family was granted. */
  scope: string;
  issuedAt: number;
  expiresAt: number;
  /** Set when the token was exchanged for a new one; a second use is theft. */
  usedAt: number | null;
}

/** The outcome of {@link RefreshTokenStore.rotateRefreshToken}. */
export type RotationResult =
  | { status: "rotated"; previous: StoredRefreshToken }
  /** The token had been used already: the store revoked its family. */
  | { status: "reused"; previous: StoredRefreshToken }
  /** Unknown, expired, or its family is revoked. */
  | { status: "invalid" };

/** The replacement a rotation stores; family, user, client and scope are copied from the old token. */
export interface RefreshReplacement {
  tokenHash: string;
  issuedAt: number;
  expiresAt: number;
}

/** Refresh tokens and their families (login sessions). */
export interface RefreshTokenStore {
  /** Starts a new family with its first token. */
  createRefreshFamily(token: StoredRefreshToken): Promise<void>;
  /**
   * Atomically: if `tokenHash` is unused, unexpired at `now` and its family not revoked, mark it
   * used and store the replacement; if it was used already, revoke its family. Of two
   * concurrent rotations of one token exactly one is `rotated`.
   */
  rotateRefreshToken(tokenHash: string, replacement: RefreshReplacement, now: number): Promise<RotationResult>;
  /** The token if known (used or not); `null` otherwise. */
  findRefreshToken(tokenHash: string): Promise<StoredRefreshToken | null>;
  /** Revokes a family: its refresh tokens stop working, and access tokens with its `sid` too. */
  revokeRefreshFamily(familyId: string, now: number): Promise<void>;
  /** Revokes every family of a user (log out everywhere, password change). */
  revokeUserRefreshFamilies(username: string, now: number): Promise<void>;
}

/** Revoked access tokens, remembered by `jti` until they would have expired anyway. */
export interface RevocationStore {
  revokeAccessToken(jti: string, expiresAt: number): Promise<void>;
  /**
   * The one lookup behind every authenticated request: the token's user, and whether the
   * token (by `jti`) or its session (by `sid`) has been revoked. `null` when the user is gone.
   */
  findTokenSubject(username: string, jti: string | null, familyId: string | null): Promise<TokenSubject | null>;
  /** Forgets revocations, refresh tokens and shared throttling counters that expired before `now`; returns how many rows went. */
  purgeExpired(now: number): Promise<number>;
}

/** What {@link RevocationStore.findTokenSubject} returns. */
export interface TokenSubject {
  user: StoredUser;
  revoked: boolean;
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
export interface GatehouseStore extends UserStore, KeyStore, RefreshTokenStore, RevocationStore, StoreLifecycle {
  /** A short name for logs and metrics: "memory", "sqlite", "postgres". */
  readonly kind: string;
  /**
   * Throttling counters shared by every process on this database, used where
   * the throttle options name no counter stores. Absent (memory, SQLite), each process counts
   * in its own memory: SQLite serves one process, and as its only writer, a table of counters
   * would put every failed login in the queue for the write lock that users and tokens wait on.
   */
  readonly loginAttempts?: SharedLoginAttempts;
}
