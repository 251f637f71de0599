import { expect } from "vitest";
import type { GatehouseErrorCode } from "../core/errors.js";
import { isGatehouseError } from "../core/errors.js";
import type { GatehouseStore, NewRefreshFamily, NewUser, RefreshRotation, StoredSigningKey } from "../core/store.js";

/** Makes a fresh, empty store for one test. */
export type StoreFactory = () => Promise<GatehouseStore> | GatehouseStore;

/** Gives each contract test a fresh store and closes it afterwards. */
export interface StoreHolder {
  readonly store: GatehouseStore;
}

/** An instant with milliseconds, so a store that rounds to seconds fails. */
export const T0 = 1_700_000_000_123;

/** A user as the user service would hand it to a store. */
export function newUser(username: string, overrides: Partial<NewUser> = {}): NewUser {
  return {
    username,
    email: `${username.toLowerCase()}@example.com`,
    emailVerified: false,
    fullName: "John Doe",
    disabled: false,
    scopes: ["me"],
    passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
    profile: {},
    ...overrides,
  };
}

const HOUR = 3_600_000;

/** A login session as the session service would hand it to a store: johndoe's, one hour. */
export function newFamily(overrides: Partial<NewRefreshFamily> = {}): NewRefreshFamily {
  return {
    familyId: "family-1",
    username: "johndoe",
    clientId: null,
    scope: "me admin",
    tokenHash: "hash-1",
    issuedAt: T0,
    expiresAt: T0 + HOUR,
    ip: "203.0.113.7",
    userAgent: "Mozilla/5.0 (contract)",
    amr: ["pwd"],
    ...overrides,
  };
}

/** A refresh of `tokenHash` at `now` for the successor `successorHash` (one hour), strict unless told otherwise. */
export function rotation(
  tokenHash: string,
  successorHash: string,
  now: number,
  overrides: Partial<RefreshRotation> = {},
): RefreshRotation {
  return {
    tokenHash,
    successor: { tokenHash: successorHash, issuedAt: now, expiresAt: now + HOUR },
    now,
    reuseIntervalMs: 0,
    ip: "198.51.100.1",
    userAgent: "Mozilla/5.0 (refresh)",
    ...overrides,
  };
}

/** A signing key with made-up material (stores never parse it). */
export function signingKey(kid: string, createdAt: number, supersededAt: number | null = null): StoredSigningKey {
  return {
    kid,
    algorithm: "EdDSA",
    privateKey: `-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI${kid}\n-----END PRIVATE KEY-----\n`,
    publicKey: `-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA${kid}\n-----END PUBLIC KEY-----\n`,
    createdAt,
    supersededAt,
  };
}

/** Asserts that a promise rejects with a GatehouseError of the given code, and returns it. */
export async function expectRejectsWith(promise: Promise<unknown>, code: GatehouseErrorCode): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(isGatehouseError(error) ? error.code : error).toBe(code);
  return error as Error;
}
