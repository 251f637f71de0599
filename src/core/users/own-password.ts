import type { AuditContext } from "../audit/audit-event.js";
import { GatehouseError, isGatehouseError } from "../errors.js";
import type { TokenRequestContext, TokenResponse } from "../grants/token-request.js";
import type { CheckPassword, PasswordCheckContext } from "../passwords/check-password.js";
import type { StoredUser, UserStore } from "../store.js";
import { type UserRecord, validateNewPassword } from "./user.js";
import type { UserService } from "./user-service.js";

/** Where a password change came from, and the session the caller continues in. */
export interface OwnPasswordContext extends PasswordCheckContext {
  audit?: AuditContext;
  /**
   * When given, a new session (scopes, client and user agent of the caller's session) begins
   * after the change, since the change ends every earlier one, the caller's included.
   */
  newSession?: { scopes: readonly string[]; clientId?: string; userAgent?: string; amr?: readonly string[] };
}

/** The outcome of a password change: the user, and the new session's tokens when one was asked for. */
export interface OwnPasswordChange {
  user: UserRecord;
  tokens: TokenResponse | null;
}

/**
 * A user changes their own password: needs the current one, checked through the login
 * throttle like a login; then every earlier token of the user stops working.
 */
export type ChangeOwnPassword = (
  username: string,
  currentPassword: string,
  newPassword: string,
  context: OwnPasswordContext,
) => Promise<OwnPasswordChange>;

/** What {@link createChangeOwnPassword} needs. */
export interface ChangeOwnPasswordOptions {
  checkPassword: CheckPassword;
  users: Pick<UserService, "setPassword">;
  store: Pick<UserStore, "findUserByUsername">;
  startSession(
    user: StoredUser,
    scopes: readonly string[],
    context: TokenRequestContext,
    amr?: readonly string[],
  ): Promise<TokenResponse>;
}

/** Creates the password change of `POST /users/me/password`. */
export function createChangeOwnPassword({
  checkPassword,
  users,
  store,
  startSession,
}: ChangeOwnPasswordOptions): ChangeOwnPassword {
  return async (username, currentPassword, newPassword, context) => {
    // A new password the policy refuses costs no hash and no guess.
    validateNewPassword(newPassword);
    try {
      await checkPassword(username, currentPassword, context);
    } catch (error) {
      if (isGatehouseError(error, "invalid_grant")) throw new GatehouseError("invalid_grant", "Incorrect password");
      throw error;
    }
    const user = await users.setPassword(username, newPassword, context.audit);
    const session = context.newSession;
    if (session === undefined) return { user, tokens: null };
    // Read back after the change: the new session must begin after the invalidation it made.
    const stored = await store.findUserByUsername(username);
    if (stored === null) throw new GatehouseError("invalid_grant", "Incorrect password");
    const scopes = session.scopes.filter((name) => stored.scopes.includes(name));
    // The new session is as strongly authenticated as the one it replaces (a second factor kept).
    const tokens = await startSession(
      stored,
      scopes,
      {
        clientAddress: context.clientAddress,
        ...(session.clientId === undefined ? {} : { clientId: session.clientId }),
        ...(session.userAgent === undefined ? {} : { userAgent: session.userAgent }),
      },
      session.amr,
    );
    return { user, tokens };
  };
}
