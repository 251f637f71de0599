import { type AuditContext, SYSTEM_CONTEXT } from "../audit/audit-event.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { Clock } from "../clock.js";
import { GatehouseError } from "../errors.js";
import type { PasswordHasher } from "../passwords/password-hasher.js";
import type { AuditEvent, GatehouseStore, StoredUser, UserPatch } from "../store.js";
import { validateScopeList } from "../tokens/scopes.js";
import { type AdminChange, createLastAdminGuard } from "./last-admin.js";
import { mergeProfile, type ProfileFields } from "./profile.js";
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
  /** Profile fields; validated as the whole profile (absent: `{}`, which the schema must accept). */
  profile?: Record<string, unknown>;
  /** Default false: the user has yet to prove they receive mail there. */
  emailVerified?: boolean;
  /** Self-service sign-up: recorded as `user.registered` rather than `user.created`. */
  registered?: boolean;
  /** Only `gatehouse demo` sets this, for the tutorial's short passwords. */
  skipPasswordPolicy?: boolean;
}

/** What an update may change. */
export interface UpdateUserInput {
  /** A different address becomes unverified unless `emailVerified` says otherwise. */
  email?: string;
  emailVerified?: boolean;
  fullName?: string;
  disabled?: boolean;
  scopes?: string[];
  password?: string;
  /** Profile fields to change (RFC 7396: `null` removes one); the merged profile is validated whole. */
  profile?: Record<string, unknown>;
}

/**
 * User administration shared by the CLI and the admin API; every input is validated here, and
 * every change recorded in the audit log with its `context` (who made it, from where). What it
 * returns never carries a password hash: one careless `res.json(user)` must not leak it.
 */
export interface UserService {
  create(input: CreateUserInput, context?: AuditContext): Promise<UserRecord>;
  /** `null` when there is no such user. */
  get(username: string): Promise<UserRecord | null>;
  /** @throws GatehouseError `user_not_found`. */
  update(username: string, input: UpdateUserInput, context?: AuditContext): Promise<UserRecord>;
  /** @throws GatehouseError `user_not_found`. */
  remove(username: string, context?: AuditContext): Promise<void>;
  list(options: { limit: number; cursor: string | null }): Promise<{ users: UserRecord[]; nextCursor: string | null }>;
  /** Sets a new password; every token issued before stops working. */
  setPassword(username: string, password: string, context?: AuditContext): Promise<UserRecord>;
  /** Log out everywhere: every token issued before now stops working. */
  invalidateTokens(username: string, context?: AuditContext): Promise<UserRecord>;
  /** True when some enabled user holds the `admin` scope. */
  hasEnabledAdmin(): Promise<boolean>;
  /**
   * Validates a whole profile against the configured schema and returns what to store (the
   * schema's output), as `create` does: for registration and imports.
   * @throws GatehouseError `validation_failed` listing every issue (any field at all when no profile is configured).
   */
  validateProfile(input: Readonly<Record<string, unknown>>): Promise<Record<string, unknown>>;
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
  /**
   * Refuse (`last_admin`) to demote, disable or delete the last enabled admin; default true.
   * The CLI turns it off: an operator at the database is the way back in, and may need to lock
   * out a compromised sole admin.
   */
  keepAnAdmin?: boolean;
  /** The profile fields' schema; absent: users have no profile fields. */
  profile?: ProfileFields | null;
}

/** Creates the user service. */
export function createUserService(options: UserServiceOptions): UserService {
  const { store, hasher, clock, knownScopes, audit } = options;
  const lastAdmin = createLastAdminGuard(store);
  const guarded = <T>(username: string | null, change: AdminChange, write: () => Promise<T>) =>
    (options.keepAnAdmin ?? true) ? lastAdmin.run(username, change, write) : write();
  const contextOr = (context: AuditContext | undefined) => context ?? options.defaultContext ?? SYSTEM_CONTEXT;
  const event = (
    type: AuditEvent["type"],
    username: string,
    context: AuditContext,
    details?: Record<string, unknown>,
  ) => audit?.event(type, { username, context, ...(details === undefined ? {} : { details }) }) ?? [];
  const mustExist = <U>(user: U | null): U => {
    if (!user) throw new GatehouseError("user_not_found", "User not found");
    return user;
  };
  const validateProfile = async (input: Readonly<Record<string, unknown>>) => {
    if (options.profile) return options.profile.validate(input);
    const [field] = Object.keys(input);
    if (field === undefined) return {};
    throw new GatehouseError("validation_failed", `unknown field ${field}: no profile fields are configured`, {
      field,
    });
  };
  const lookupName = (username: string) => {
    try {
      return normalizeUsername(username);
    } catch {
      return null;
    }
  };
  const find = async (username: string): Promise<StoredUser | null> => {
    const name = lookupName(username);
    return name === null ? null : store.findUserByUsername(name);
  };
  const apply = async (username: string, patch: UserPatch, events: (name: string) => AuditEvent[] = () => []) => {
    const name = lookupName(username);
    const user = mustExist(name === null ? null : await store.updateUser(name, patch, clock.now(), events(name)));
    // Refresh families would be refused anyway (issued before tokensValidAfter); revoking keeps the table honest.
    if (patch.tokensValidAfter !== undefined) await store.revokeUserRefreshFamilies(user.username, clock.now());
    return withoutPasswordHash(user);
  };

  const service: UserService = {
    async create(input, context) {
      const username = normalizeNewUsername(input.username);
      const email = validateEmail(input.email);
      const fullName = validateFullName(input.fullName ?? "");
      const scopes = validateScopeList(input.scopes ?? ["me"], knownScopes);
      if (!input.skipPasswordPolicy) validateNewPassword(input.password);
      const profile = await validateProfile(input.profile ?? {});
      const passwordHash = await hasher.hash(input.password);
      const disabled = input.disabled ?? false;
      const emailVerified = input.emailVerified ?? false;
      const created = await store.createUser(
        { username, email, emailVerified, fullName, scopes, disabled, passwordHash, profile },
        clock.now(),
        event(input.registered ? "user.registered" : "user.created", username, contextOr(context), {
          scopes,
          disabled,
        }),
      );
      return withoutPasswordHash(created);
    },

    async get(username) {
      const user = await find(username);
      return user === null ? null : withoutPasswordHash(user);
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
      const before = mustExist(await find(username));
      if (input.profile !== undefined)
        patch.profile = await validateProfile(mergeProfile(before.profile, input.profile));
      if (input.emailVerified !== undefined) patch.emailVerified = input.emailVerified;
      else if (patch.email !== undefined && patch.email.toLowerCase() !== before.email.toLowerCase())
        patch.emailVerified = false;
      if (input.password !== undefined) {
        patch.passwordHash = await hasher.hash(input.password);
        patch.tokensValidAfter = clock.now();
      }
      return guarded(lookupName(username), patch, () =>
        apply(username, patch, () => changeEvents(before, patch, contextOr(context))),
      );
    },

    async remove(username, context) {
      const name = lookupName(username);
      if (name === null) throw new GatehouseError("user_not_found", "User not found");
      const user = await store.findUserByUsername(name);
      const events = event("user.removed", user?.username ?? name, contextOr(context));
      if (!(await guarded(name, "remove", () => store.deleteUser(name, events))))
        throw new GatehouseError("user_not_found", "User not found");
    },

    async list(listOptions) {
      const page = await store.listUsers(listOptions);
      return { users: page.users.map(withoutPasswordHash), nextCursor: page.nextCursor };
    },

    setPassword: (username, password, context) => service.update(username, { password }, context),

    invalidateTokens: (username, context) =>
      apply(username, { tokensValidAfter: clock.now() }, (name) => event("logout.all", name, contextOr(context))),

    hasEnabledAdmin: () => lastAdmin.hasEnabledAdmin(),

    validateProfile,
  };

  /** What an update changes, as events: only what differs from the user as it was. */
  const changeEvents = (before: StoredUser, patch: UserPatch, context: AuditContext) => {
    const { username } = before;
    const fields = [
      patch.email !== undefined && patch.email !== before.email ? "email" : null,
      patch.fullName !== undefined && patch.fullName !== before.fullName ? "full_name" : null,
      // Which fields, never their values: a profile may hold personal data.
      patch.profile !== undefined && JSON.stringify(patch.profile) !== JSON.stringify(before.profile)
        ? "profile"
        : null,
      patch.emailVerified !== undefined && patch.emailVerified !== before.emailVerified ? "email_verified" : null,
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
