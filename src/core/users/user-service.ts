import type { Clock } from "../clock.js";
import { GatehouseError } from "../errors.js";
import type { PasswordHasher } from "../passwords/password-hasher.js";
import type { GatehouseStore, UserPatch } from "../store.js";
import { validateScopeList } from "../tokens/scopes.js";
import { type AdminChange, createLastAdminGuard } from "./last-admin.js";
import {
  normalizeNewUsername,
  normalizeUsername,
  type UserRecord,
  validateEmail,
  validateFullName,
  validateNewPassword,
  withoutPasswordHash,
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
  create(input: CreateUserInput): Promise<UserRecord>;
  /** `null` when there is no such user. */
  get(username: string): Promise<UserRecord | null>;
  /** @throws GatehouseError `user_not_found`. */
  update(username: string, input: UpdateUserInput): Promise<UserRecord>;
  /** @throws GatehouseError `user_not_found`. */
  remove(username: string): Promise<void>;
  list(options: { limit: number; cursor: string | null }): Promise<{ users: UserRecord[]; nextCursor: string | null }>;
  /** Sets a new password; every token issued before stops working. */
  setPassword(username: string, password: string): Promise<UserRecord>;
  /** Log out everywhere: every token issued before now stops working. */
  invalidateTokens(username: string): Promise<UserRecord>;
  /** True when some enabled user holds the `admin` scope. */
  hasEnabledAdmin(): Promise<boolean>;
}

/** Options for {@link createUserService}. */
export interface UserServiceOptions {
  store: GatehouseStore;
  hasher: PasswordHasher;
  clock: Clock;
  knownScopes: ReadonlySet<string>;
  /**
   * Refuse (`last_admin`) to demote, disable or delete the last enabled admin; default true.
   * The CLI turns it off: an operator at the database is the way back in, and may need to lock
   * out a compromised sole admin.
   */
  keepAnAdmin?: boolean;
}

/**
 * Creates the user service. What it returns never carries a password hash: one careless
 * `res.json(user)` must not leak it.
 */
export function createUserService({
  store,
  hasher,
  clock,
  knownScopes,
  keepAnAdmin = true,
}: UserServiceOptions): UserService {
  const lastAdmin = createLastAdminGuard(store);
  const guarded = <T>(username: string | null, change: AdminChange, write: () => Promise<T>) =>
    keepAnAdmin ? lastAdmin.run(username, change, write) : write();
  const mustExist = <U>(user: U | null): U => {
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
      const username = normalizeNewUsername(input.username);
      const email = validateEmail(input.email);
      const fullName = validateFullName(input.fullName ?? "");
      const scopes = validateScopeList(input.scopes ?? ["me"], knownScopes);
      if (!input.skipPasswordPolicy) validateNewPassword(input.password);
      const passwordHash = await hasher.hash(input.password);
      const created = await store.createUser(
        { username, email, fullName, scopes, disabled: input.disabled ?? false, passwordHash },
        clock.now(),
      );
      return withoutPasswordHash(created);
    },

    async get(username) {
      const name = lookupName(username);
      const user = name === null ? null : await store.findUserByUsername(name);
      return user === null ? null : withoutPasswordHash(user);
    },

    async update(username, input) {
      const patch: UserPatch = {};
      if (input.email !== undefined) patch.email = validateEmail(input.email);
      if (input.fullName !== undefined) patch.fullName = validateFullName(input.fullName);
      if (input.disabled !== undefined) patch.disabled = input.disabled;
      // Disabling ends every session: re-enabling must not bring earlier tokens back.
      if (input.disabled === true) patch.tokensValidAfter = clock.now();
      if (input.scopes !== undefined) patch.scopes = validateScopeList(input.scopes, knownScopes);
      if (input.password !== undefined) {
        validateNewPassword(input.password);
        await service.get(username).then(mustExist);
        patch.passwordHash = await hasher.hash(input.password);
        patch.tokensValidAfter = clock.now();
      }
      return withoutPasswordHash(await guarded(lookupName(username), patch, () => apply(username, patch)));
    },

    async remove(username) {
      const name = lookupName(username);
      if (name === null || !(await guarded(name, "remove", () => store.deleteUser(name))))
        throw new GatehouseError("user_not_found", "User not found");
    },

    async list(options) {
      const page = await store.listUsers(options);
      return { users: page.users.map(withoutPasswordHash), nextCursor: page.nextCursor };
    },

    setPassword: (username, password) => service.update(username, { password }),

    invalidateTokens: async (username) => withoutPasswordHash(await apply(username, { tokensValidAfter: clock.now() })),

    hasEnabledAdmin: () => lastAdmin.hasEnabledAdmin(),
  };
  return service;
}
