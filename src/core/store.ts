/**
 * What the core needs from persistence. Stores (memory, SQLite, PostgreSQL) implement
 * these interfaces; the core never imports a store. Absence is `null`, a duplicate
 * username is a `GatehouseError("user_exists")`, a driver failure is
 * `GatehouseError("store_unavailable")` with the driver error as `cause`.
 */

import type { AuditEvent, AuditPage, AuditQuery } from "./audit/audit-event.js";
import type { SharedLoginAttempts } from "./throttle/attempt-store.js";

export type { AuditEvent, AuditPage, AuditQuery, SharedLoginAttempts };

/**
 * Audit events a write records in its own transaction, only when the write takes effect (the
 * user, family or key it changes exists): a change and its record commit together or not at all.
 */
export type AuditEvents = readonly AuditEvent[];

/** A user as the store keeps it, password hash included. Never serialise this. */
export interface StoredUser {
  /** The username as given at creation (NFKC-normalised). */
  username: string;
  email: string;
  /** True once the user proved they receive mail at `email` (or an admin said so); a new e-mail is unverified. */
  emailVerified: boolean;
  fullName: string;
  disabled: boolean;
  scopes: string[];
  passwordHash: string;
  /** The profile fields (a JSON object, validated by the core before it is written); `{}` for none. */
  profile: Record<string, unknown>;
  /** Milliseconds; tokens issued before this instant are invalid (password change, logout-all, re-creation). */
  tokensValidAfter: number;
  createdAt: number;
  updatedAt: number;
  /** True when the user has a confirmed second factor; absent means none. */
  mfaEnabled?: boolean;
}

/** Fields needed to create a user. */
export interface NewUser {
  username: string;
  email: string;
  /** Default false. */
  emailVerified?: boolean;
  fullName: string;
  disabled: boolean;
  scopes: string[];
  passwordHash: string;
  /** The profile fields; absent for `{}`. */
  profile?: Record<string, unknown>;
}

/** Fields an update may change; absent fields stay as they are. */
export interface UserPatch {
  email?: string;
  emailVerified?: boolean;
  fullName?: string;
  disabled?: boolean;
  scopes?: string[];
  passwordHash?: string;
  /** The whole new profile (it replaces the stored one). */
  profile?: Record<string, unknown>;
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
  createUser(user: NewUser, now: number, events?: AuditEvents): Promise<StoredUser>;
  /**
   * Creates up to 1000 users in one transaction, each with `tokensValidAfter` = `now` as
   * {@link UserStore.createUser} would. A username that already exists, case-insensitively,
   * or that an earlier user of the batch takes, is `"exists"` and left untouched. `events[i]`,
   * when given, is recorded with `users[i]` if that user is created.
   * @returns one outcome per user, in the order given.
   * @throws GatehouseError `validation_failed` for more than 1000 users, creating none.
   */
  createUsers(
    users: readonly NewUser[],
    now: number,
    events?: ReadonlyArray<AuditEvents>,
  ): Promise<Array<"created" | "exists">>;
  updateUser(username: string, patch: UserPatch, now: number, events?: AuditEvents): Promise<StoredUser | null>;
  /** Removes the user and everything that hangs off it (refresh tokens). */
  deleteUser(username: string, events?: AuditEvents): Promise<boolean>;
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
  addSigningKey(key: StoredSigningKey, supersedeAt: number, events?: AuditEvents): Promise<void>;
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
  /** Set when the token was exchanged for a new one; a second use after the reuse interval is theft. */
  usedAt: number | null;
  /** When its family (the login session) began. */
  sessionCreatedAt: number;
  /** SHA-256 of the token it was exchanged for; `null` while unused. */
  successorHash: string | null;
  /** The session's RFC 8176 authentication methods, which its refreshes keep; absent means `["pwd"]` alone. */
  amr?: string[];
}

/** A login session to start: its family, its first refresh token, and what the login came with. */
export interface NewRefreshFamily {
  familyId: string;
  username: string;
  clientId: string | null;
  scope: string;
  /** The first token: its hash, issue instant (the session's start) and expiry. */
  tokenHash: string;
  issuedAt: number;
  expiresAt: number;
  /** The client's address and user agent at login; `null` when unknown. */
  ip: string | null;
  userAgent: string | null;
  /** RFC 8176 authentication methods of the login (`["pwd"]`). */
  amr: readonly string[];
}

/** A login session as listed: the family's metadata, without any token. */
export interface StoredSession {
  /** The family id, which access tokens carry as `sid`. */
  id: string;
  username: string;
  clientId: string | null;
  scope: string;
  createdAt: number;
  /** The latest refresh (the login's instant until there is one). */
  lastUsedAt: number;
  /** When its newest refresh token expires. */
  expiresAt: number;
  /** Address and user agent of the login, or of the latest refresh. */
  ip: string | null;
  userAgent: string | null;
  amr: string[];
}

/** The outcome of {@link RefreshTokenStore.rotateRefreshToken}. */
export type RotationResult =
  | { status: "rotated"; previous: StoredRefreshToken }
  /** Presented again within the reuse interval with the same successor: nothing changed, the successor stands. */
  | { status: "reissued"; previous: StoredRefreshToken }
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

/** One refresh: the presented token (by hash), its successor, and where the request came from. */
export interface RefreshRotation {
  tokenHash: string;
  /**
   * The successor. It is derived from the presented token, so presenting that token again
   * names the same successor hash, which is how the store recognises a retry.
   */
  successor: RefreshReplacement;
  now: number;
  /**
   * Milliseconds after a token's first use during which presenting it again with the same
   * successor is `reissued` rather than theft; 0 for strict rotation.
   */
  reuseIntervalMs: number;
  /** The refreshing client's address and user agent; they become the session's latest. */
  ip: string | null;
  userAgent: string | null;
}

/** The events a rotation records, by its outcome (an invalid token records nothing). */
export interface RotationEvents {
  rotated?: AuditEvents;
  reissued?: AuditEvents;
  reused?: AuditEvents;
}

/** Refresh tokens and their families (login sessions). */
export interface RefreshTokenStore {
  /** Starts a new family with its first token. */
  createRefreshFamily(family: NewRefreshFamily, events?: AuditEvents): Promise<void>;
  /**
   * Atomically: if the token is unused, unexpired at `now` and its family not revoked, mark it
   * used (remembering the successor's hash), store the successor and note the session's latest
   * use; if it was used already with this successor less than `reuseIntervalMs` ago, change
   * nothing and answer `reissued`; if it was used otherwise, revoke its family. Of concurrent
   * rotations of one token exactly one is `rotated`.
   */
  rotateRefreshToken(rotation: RefreshRotation, events?: RotationEvents): Promise<RotationResult>;
  /** The token if known (used or not); `null` otherwise. */
  findRefreshToken(tokenHash: string): Promise<StoredRefreshToken | null>;
  /** Revokes a family: its refresh tokens stop working, and access tokens with its `sid` too. */
  revokeRefreshFamily(familyId: string, now: number, events?: AuditEvents): Promise<void>;
  /** Revokes every family of a user (log out everywhere, password change). */
  revokeUserRefreshFamilies(username: string, now: number): Promise<void>;
  /** The user's sessions that are neither revoked nor expired at `now`, newest first. */
  listSessions(username: string, now: number): Promise<StoredSession[]>;
  /**
   * Revokes one of the user's live sessions (as {@link revokeRefreshFamily}).
   * @returns false when the user has no such live session (another user's id included).
   */
  revokeSession(username: string, familyId: string, now: number, events?: AuditEvents): Promise<boolean>;
}

/** The audit log: append-only, listed newest first, purged after its retention. */
export interface AuditStore {
  /** Records events that describe no change of their own (a failed login), in one transaction. */
  recordAuditEvents(events: AuditEvents): Promise<void>;
  /**
   * Events matching the query, newest first (by time, then by order of recording).
   * @throws GatehouseError `validation_failed` ("invalid cursor") for a cursor it did not issue.
   */
  listAuditEvents(query: AuditQuery): Promise<AuditPage>;
  /**
   * Deletes events recorded before `before`, and webhook deliveries queued before it that never
   * succeeded; returns how many events went.
   */
  purgeAuditEvents(before: number): Promise<number>;
}

/** One queued webhook delivery: an audit event's JSON body, as sent. */
export interface WebhookDelivery {
  /** The outbox entry (its order of queueing). */
  id: number;
  eventId: string;
  /** The request body, exactly: the event's JSON. */
  payload: string;
  /** Failed attempts so far. */
  attempts: number;
  createdAt: number;
}

/** What a deliverer asks for when it claims deliveries. */
export interface WebhookClaim {
  now: number;
  limit: number;
  /** How long the claimed deliveries are the claimer's alone; past it another may take them. */
  leaseMs: number;
  /** The claimer, unique per process. */
  owner: string;
}

/**
 * The durable webhook outbox. While delivery is on, every audit event is queued in the
 * transaction that records it; a deliverer claims the oldest undelivered event of each user
 * (so each user's events go out in order) under a lease (so of several processes exactly one
 * delivers it while the lease lasts), and completes or reschedules it.
 */
export interface WebhookOutboxStore {
  /** Turns queueing on or off for every process on this database (a server sets it at start). */
  setWebhookDelivery(enabled: boolean): Promise<void>;
  /**
   * Leases up to `limit` deliveries that are due, unleased (or whose lease ran out), and the
   * oldest undelivered one of their user; oldest first.
   */
  claimWebhookDeliveries(claim: WebhookClaim): Promise<WebhookDelivery[]>;
  /** Removes a delivered entry, if `owner` still holds its lease. */
  completeWebhookDelivery(id: number, owner: string): Promise<void>;
  /** Counts a failed attempt and makes the entry due again at `nextAttemptAt`, if `owner` still holds it. */
  retryWebhookDelivery(id: number, owner: string, nextAttemptAt: number, error: string): Promise<void>;
  /** How many deliveries wait, and when the oldest was queued (`null` when none). */
  webhookOutboxStats(): Promise<{ depth: number; oldestCreatedAt: number | null }>;
}

/** Secrets the server keeps with its database (the refresh successor key). */
export interface SecretStore {
  /**
   * The secret stored under `name`; when there is none yet, stores `candidate` first. Every
   * process on one database gets the same value, whoever stored it.
   */
  ensureSecret(name: string, candidate: string, now: number): Promise<string>;
}

/** Revoked access tokens, remembered by `jti` until they would have expired anyway. */
export interface RevocationStore {
  revokeAccessToken(jti: string, expiresAt: number, events?: AuditEvents): Promise<void>;
  /**
   * The one lookup behind every authenticated request: the token's user, and whether the
   * token (by `jti`) or its session (by `sid`) has been revoked. `null` when the user is gone.
   */
  findTokenSubject(username: string, jti: string | null, familyId: string | null): Promise<TokenSubject | null>;
  /**
   * Forgets revocations, refresh tokens, account tokens, account mail counts older than a day
   * and shared throttling counters that expired before `now`; returns how many rows went.
   */
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

/** A user's TOTP factor as stored: its secret only encrypted (see `core/mfa/secret-box.ts`). */
export interface StoredTotpFactor {
  username: string;
  /** The sealed secret (AES-256-GCM), never the secret itself. */
  secretCiphertext: string;
  createdAt: number;
  /** When the first valid code turned it on; `null` while pending. */
  confirmedAt: number | null;
  /** The RFC 6238 time step of the newest accepted code; codes of that step or earlier are replays. */
  lastTimeStep: number | null;
}

/** A second login step waiting for its code: stored by the hash of its opaque token. */
export interface StoredMfaToken {
  tokenHash: string;
  username: string;
  /** The address and client of the password step: the code must come from the same. */
  clientAddress: string;
  clientId: string | null;
  /** The scopes the password step granted, space-separated. */
  scope: string;
  createdAt: number;
  expiresAt: number;
  failures: number;
}

/** Confirming a pending factor: its first accepted step and the recovery codes it starts with. */
export interface TotpConfirmation {
  timeStep: number;
  recoveryCodeHashes: readonly string[];
  now: number;
}

/**
 * Second factors: TOTP secrets (sealed), recovery codes (hashes, single use) and the tokens of
 * the login's second step (hashes, single use). Each method is one atomic change; the user's
 * `mfaEnabled` follows the confirmed factor in the same transaction.
 */
export interface MfaStore {
  /** The user's factor, pending or confirmed; `null` when none. */
  findTotpFactor(username: string): Promise<StoredTotpFactor | null>;
  /**
   * Stores a pending factor, replacing a pending one; refuses (false) while a confirmed one
   * exists or the user does not.
   */
  savePendingTotpFactor(username: string, secretCiphertext: string, now: number): Promise<boolean>;
  /**
   * Turns the pending factor on with its first step and recovery codes (replacing any), and
   * sets `mfaEnabled`; false when there is no pending factor (confirmed already, or none).
   */
  confirmTotpFactor(username: string, confirmation: TotpConfirmation, events?: AuditEvents): Promise<boolean>;
  /** Records an accepted code's step, only if it is later than the last one: false for a replay. */
  acceptTotpTimeStep(username: string, timeStep: number): Promise<boolean>;
  /** Removes the factor and the recovery codes, and clears `mfaEnabled`; false when there was none. */
  deleteMfa(username: string, now: number, events?: AuditEvents): Promise<boolean>;
  /** Replaces a confirmed factor's recovery codes; false when the user has no confirmed factor. */
  replaceRecoveryCodes(username: string, codeHashes: readonly string[], events?: AuditEvents): Promise<boolean>;
  /** Uses up one unused recovery code: true exactly once per code. */
  consumeRecoveryCode(username: string, codeHash: string, now: number, events?: AuditEvents): Promise<boolean>;
  /** How many unused recovery codes the user has. */
  countRecoveryCodes(username: string): Promise<number>;
  createMfaToken(token: StoredMfaToken): Promise<void>;
  /** The token if it exists and has not expired at `now`. */
  findMfaToken(tokenHash: string, now: number): Promise<StoredMfaToken | null>;
  /** Counts a wrong code; the token is deleted at `maxFailures`. Returns whether it still lives. */
  recordMfaTokenFailure(tokenHash: string, maxFailures: number): Promise<boolean>;
  /** Deletes the token if it exists and is unexpired: true exactly once (single use). */
  consumeMfaToken(tokenHash: string, now: number): Promise<boolean>;
}

/** What a one-time account token is for: e-mail verification, password reset, or an unlock link. */
export type AccountTokenPurpose = "verify" | "reset" | "unlock";

/** A one-time account token to store: only its hash, never the token. */
export interface NewAccountToken {
  purpose: AccountTokenPurpose;
  username: string;
  /** base64url SHA-256 of the token. */
  tokenHash: string;
  /** The address a `verify` token verifies; null for the other purposes. */
  email: string | null;
  createdAt: number;
  expiresAt: number;
}

/** A token taken by {@link AccountTokenStore.consumeAccountToken}: whose it was and what for. */
export interface ConsumedAccountToken {
  purpose: AccountTokenPurpose;
  /** The owner's username as stored. */
  username: string;
  email: string | null;
  createdAt: number;
  expiresAt: number;
}

/**
 * One-time account tokens (at most one live token per user and purpose) and the counts of
 * account mails that rate limits read. Changing a user's password hash deletes their `reset`
 * token, changing their e-mail their `verify` token, and deleting the user both, in the same
 * write.
 */
export interface AccountTokenStore {
  /**
   * Stores a token, replacing the user's earlier token of the same purpose (a newer link kills
   * the older one).
   * @returns false when there is no such user (nothing stored).
   */
  issueAccountToken(token: NewAccountToken, events?: AuditEvents): Promise<boolean>;
  /**
   * Atomically takes the token of this purpose and hash: of concurrent calls at most one gets
   * it. `null` when unknown, already used, or expired at `now` (an expired one is deleted too).
   */
  consumeAccountToken(
    purpose: AccountTokenPurpose,
    tokenHash: string,
    now: number,
  ): Promise<ConsumedAccountToken | null>;
  /**
   * Counts one mail of `kind` to the user if fewer than `max` were counted in the `windowMs`
   * before `now`; atomic per user, so concurrent callers cannot overrun `max`.
   * @returns false (nothing counted) when the limit is reached or there is no such user.
   */
  reserveAccountMail(username: string, kind: string, now: number, windowMs: number, max: number): Promise<boolean>;
  /** Users whose e-mail is `email`, compared case-insensitively; at most `limit`, by username. */
  findUsersByEmail(email: string, limit: number): Promise<StoredUser[]>;
}

/** Everything a Gatehouse needs from one database. */
export interface GatehouseStore
  extends UserStore,
    MfaStore,
    KeyStore,
    SecretStore,
    RefreshTokenStore,
    AuditStore,
    WebhookOutboxStore,
    AccountTokenStore,
    RevocationStore,
    StoreLifecycle {
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
