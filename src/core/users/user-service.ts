import { type AuditContext, SYSTEM_CONTEXT } from "../audit/audit-event.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { Clock } from "../clock.js";
import { GatehouseError } from "../errors.js";
import type { PasswordHasher } from "../passwords/password-hasher.js";
import type { AuditEvent, GatehouseStore, StoredUser, UserPage, UserPatch } from "../store.js";
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

/**
 * User administration shared by the CLI and the admin API; every input is validated here.
 * Every change is recorded in the audit log with its `context` (who made it, from where).
 */
export interface UserService {
  create(input: CreateUserInput, context?: AuditContext): Promise<StoredUser>;
  /** `null` when there is no such user. */
  get(username: string): Promise<StoredUser | null>;
  /** @throws GatehouseError `user_not_found`. */
  update(username: string, input: UpdateUserInput, context?: AuditContext): Promise<StoredUser>;
  /** @throws GatehouseError `user_not_found`. */
  remove(username: string, context?: AuditContext): Promise<void>;
  list(options: { limit: number; cursor: string | null }): Promise<UserPage>;
  /** Sets a new password; every token issued before stops working. */
  setPassword(username: string, password: string, context?: AuditContext): Promise<StoredUser>;
  /** Needs the current password (`invalid_grant` otherwise), then as {@link setPassword}. */
  changeOwnPassword(
    username: string,
    currentPassword: string,
    newPassword: string,
    context?: AuditContext,
  ): Promise<StoredUser>;
  /** Log out everywhere: every token issued before now stops working. */
  invalidateTokens(username: string, context?: AuditContext): Promise<StoredUser>;
}

/** Options for {@link createUserService}. */
export interface UserServiceOptions {
  store: GatehouseStore;
  hasher: PasswordHasher;
  clock: Clock;
  knownScopes: ReadonlySet<string>;
  /** Where changes are recorded; nothing is when absent. */
  audit?: AuditLog;
  /** Who makes a change when a call names no one (the CLI says `cli`); default `system`. */
  defaultContext?: AuditContext;
}

/** Creates the user service. */
export function createUserService(options: UserServiceOptions): UserService {
  const { store, hasher, clock, knownScopes, audit } = options;
  const contextOr = (context: AuditContext | undefined) => context ?? options.defaultContext ?? SYSTEM_CONTEXT;
  const event = (
    type: AuditEvent["type"],
    username: string,
    context: AuditContext,
    details?: Record<string, unknown>,
  ) => audit?.event(type, { username, context, ...(details === undefined ? {} : { details }) }) ?? [];
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
  const apply = async (username: string, patch: UserPatch, events: (name: string) => AuditEvent[] = () => []) => {
    const name = lookupName(username);
    const user = mustExist(name === null ? null : await store.updateUser(name, patch, clock.now(), events(name)));
    // Refresh families would be refused anyway (issued before tokensValidAfter); revoking keeps the table honest.
    if (patch.tokensValidAfter !== undefined) await store.revokeUserRefreshFamilies(user.username, clock.now());
    return user;
  };

  const service: UserService = {
    async create(input, context) {
      const username = normalizeUsername(input.username);
      const email = validateEmail(input.email);
      const fullName = validateFullName(input.fullName ?? "");
      const scopes = validateScopeList(input.scopes ?? ["me"], knownScopes);
      if (!input.skipPasswordPolicy) validateNewPassword(input.password);
      const passwordHash = await hasher.hash(input.password);
      const disabled = input.disabled ?? false;
      return store.createUser(
        { username, email, fullName, scopes, disabled, passwordHash },
        clock.now(),
        event("user.created", username, contextOr(context), { scopes, disabled }),
      );
    },

    async get(username) {
      const name = lookupName(username);
      return name === null ? null : store.findUserByUsername(name);
    },

    async update(username, input, context) {
      const patch: UserPatch = {};
      if (input.email !== undefined) patch.email = validateEmail(input.email);
      if (input.fullName !== undefined) patch.fullName = validateFullName(input.fullName);
      if (input.disabled !== undefined) patch.disabled = input.disabled;
      // Disabling ends every session: re-enabling later must not revive tokens from before.
      if (input.disabled === true) patch.tokensValidAfter = clock.now();
      if (input.scopes !== undefined) patch.scopes = validateScopeList(input.scopes, knownScopes);
      if (input.password !== undefined) validateNewPassword(input.password);
      // Read before the hash, so an unknown user costs none; the events say what really changed.
      const before = await service.get(username).then(mustExist);
      if (input.password !== undefined) {
        patch.passwordHash = await hasher.hash(input.password);
        patch.tokensValidAfter = clock.now();
      }
      return apply(username, patch, () => changeEvents(before, patch, contextOr(context)));
    },

    async remove(username, context) {
      const name = lookupName(username);
      if (name === null) throw new GatehouseError("user_not_found", "User not found");
      const user = await store.findUserByUsername(name);
      const events = event("user.removed", user?.username ?? name, contextOr(context));
      if (!(await store.deleteUser(name, events))) throw new GatehouseError("user_not_found", "User not found");
    },

    list: (options) => store.listUsers(options),

    setPassword: (username, password, context) => service.update(username, { password }, context),

    async changeOwnPassword(username, currentPassword, newPassword, context) {
      const user = mustExist(await service.get(username));
      validateNewPassword(newPassword);
      // No stored password is longer than the policy allows: refuse without spending a hash.
      if (countCharacters(currentPassword) > PASSWORD_MAX_LENGTH)
        throw new GatehouseError("invalid_grant", "Incorrect password");
      const check = await hasher.verify(currentPassword, user.passwordHash);
      if (!check.ok) throw new GatehouseError("invalid_grant", "Incorrect password");
      return service.update(user.username, { password: newPassword }, context);
    },

    invalidateTokens: (username, context) =>
      apply(username, { tokensValidAfter: clock.now() }, (name) => event("logout.all", name, contextOr(context))),
  };

  /** What an update changes, as events: only what differs from the user as it was. */
  const changeEvents = (before: StoredUser, patch: UserPatch, context: AuditContext) => {
    const { username } = before;
    const fields = [
      patch.email !== undefined && patch.email !== before.email ? "email" : null,
      patch.fullName !== undefined && patch.fullName !== before.fullName ? "full_name" : null,
    ].filter((field) => field !== null);
    const scopesChanged = patch.scopes !== undefined && patch.scopes.join(" ") !== before.scopes.join(" ");
    return [
      ...(fields.length > 0 ? event("user.updated", username, context, { fields }) : []),
      ...(patch.disabled === true && !before.disabled ? event("user.disabled", username, context) : []),
      ...(patch.disabled === false && before.disabled ? event("user.enabled", username, context) : []),
      ...(scopesChanged
        ? event("user.scopes_changed", username, context, { from: before.scopes, to: patch.scopes })
        : []),
      ...(patch.passwordHash !== undefined ? event("password.changed", username, context) : []),
    ];
  };
  return service;
}
