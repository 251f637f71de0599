import type { Clock } from "../clock.js";
import { GatehouseError } from "../errors.js";
import type { PasswordHasher } from "../passwords/password-hasher.js";
import type { GatehouseStore, StoredUser, UserPage, UserPatch } from "../store.js";
import { validateScopeList } from "../tokens/scopes.js";
import {
  countCharacters,
  normalizeUsername,
  PASSWORD_MAX_LENGTH,
  validateEmail,
  validateFullName,
  validateNewPassword,
} from "./user.js";

/** What it takes to create a user. */
export interface CreateUserInput {
  username: string;
  email: string;
  password: string;
  fullName?: string;
  scopes?: string[];
  disabled?: boolean;
  /** Only `gatehouse demo` sets this, for the tutorial's short passwords. */
  skipPasswordPolicy?: boolean;
}

/** What an update may change. */
export interface UpdateUserInput {
  email?: string;
  fullName?: string;
  disabled?: boolean;
  scopes?: string[];
  password?: string;
}

/** User administration shared by the CLI and the admin API; every input is validated here. */
export interface UserService {
  create(input: CreateUserInput): Promise<StoredUser>;
  /** `null` when there is no such user. */
  get(username: string): Promise<StoredUser | null>;
  /** @throws GatehouseError `user_not_found`. */
  update(username: string, input: UpdateUserInput): Promise<StoredUser>;
  /** @throws GatehouseError `user_not_found`. */
  remove(username: string): Promise<void>;
  list(options: { limit: number; cursor: string | null }): Promise<UserPage>;
  /** Sets a new password; every token issued before stops working. */
  setPassword(username: string, password: string): Promise<StoredUser>;
  /** Needs the current password (`invalid_grant` otherwise), then as {@link setPassword}. */
  changeOwnPassword(username: string, currentPassword: string, newPassword: string): Promise<StoredUser>;
  /** Log out everywhere: every token issued before now stops working. */
  invalidateTokens(username: string): Promise<StoredUser>;
}

/** Options for {@link createUserService}. */
export interface UserServiceOptions {
  store: GatehouseStore;
  hasher: PasswordHasher;
  clock: Clock;
  knownScopes: ReadonlySet<string>;
}

/** Creates the user service. */
export function createUserService({ store, hasher, clock, knownScopes }: UserServiceOptions): UserService {
  const mustExist = (user: StoredUser | null): StoredUser => {
    if (!user) throw new GatehouseError("user_not_found", "User not found");
    return user;
  };
  const lookupName = (username: string) => {
    try {
      return normalizeUsername(username);
    } catch {
      return null;
    }
  };
  const apply = async (username: string, patch: UserPatch) => {
    const name = lookupName(username);
    const user = mustExist(name === null ? null : await store.updateUser(name, patch, clock.now()));
    // Refresh families would be refused anyway (issued before tokensValidAfter); revoking keeps the table honest.
    if (patch.tokensValidAfter !== undefined) await store.revokeUserRefreshFamilies(user.username, clock.now());
    return user;
  };

  const service: UserService = {
    async create(input) {
      const username = normalizeUsername(input.username);
      const email = validateEmail(input.email);
      const fullName = validateFullName(input.fullName ?? "");
      const scopes = validateScopeList(input.scopes ?? ["me"], knownScopes);
      if (!input.skipPasswordPolicy) validateNewPassword(input.password);
      const passwordHash = await hasher.hash(input.password);
      return store.createUser(
        { username, email, fullName, scopes, disabled: input.disabled ?? false, passwordHash },
        clock.now(),
      );
    },

    async get(username) {
      const name = lookupName(username);
      return name === null ? null : store.findUserByUsername(name);
    },

    async update(username, input) {
      const patch: UserPatch = {};
      if (input.email !== undefined) patch.email = validateEmail(input.email);
      if (input.fullName !== undefined) patch.fullName = validateFullName(input.fullName);
      if (input.disabled !== undefined) patch.disabled = input.disabled;
      // Disabling ends every session: re-enabling later must not revive tokens from before.
      if (input.disabled === true) patch.tokensValidAfter = clock.now();
      if (input.scopes !== undefined) patch.scopes = validateScopeList(input.scopes, knownScopes);
      if (input.password !== undefined) {
        validateNewPassword(input.password);
        await service.get(username).then(mustExist);
        patch.passwordHash = await hasher.hash(input.password);
        patch.tokensValidAfter = clock.now();
      }
      return apply(username, patch);
    },

    async remove(username) {
      const name = lookupName(username);
      if (name === null || !(await store.deleteUser(name)))
        throw new GatehouseError("user_not_found", "User not found");
    },

    list: (options) => store.listUsers(options),

    setPassword: (username, password) => service.update(username, { password }),

    async changeOwnPassword(username, currentPassword, newPassword) {
      const user = mustExist(await service.get(username));
      validateNewPassword(newPassword);
      // No stored password is longer than the policy allows: refuse without spending a hash.
      if (countCharacters(currentPassword) > PASSWORD_MAX_LENGTH)
        throw new GatehouseError("invalid_grant", "Incorrect password");
      const check = await hasher.verify(currentPassword, user.passwordHash);
      if (!check.ok) throw new GatehouseError("invalid_grant", "Incorrect password");
      return service.update(user.username, { password: newPassword });
    },

    invalidateTokens: (username) => apply(username, { tokensValidAfter: clock.now() }),
  };
  return service;
}
