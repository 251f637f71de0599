import { GatehouseError, isGatehouseError } from "../errors.js";
import type { CheckPassword, PasswordCheckContext } from "../passwords/check-password.js";
import { type UserRecord, validateNewPassword } from "./user.js";
import type { UserService } from "./user-service.js";

/**
 * A user changes their own password: needs the current one, checked through the login
 * throttle like a login; then every earlier token of the user stops working.
 */
export type ChangeOwnPassword = (
  username: string,
  currentPassword: string,
  newPassword: string,
  context: PasswordCheckContext,
) => Promise<UserRecord>;

/** What {@link createChangeOwnPassword} needs. */
export interface ChangeOwnPasswordOptions {
  checkPassword: CheckPassword;
  users: Pick<UserService, "setPassword">;
}

/** Creates the password change of `POST /users/me/password`. */
export function createChangeOwnPassword({ checkPassword, users }: ChangeOwnPasswordOptions): ChangeOwnPassword {
  return async (username, currentPassword, newPassword, context) => {
    // A new password the policy refuses costs no hash and no guess.
    validateNewPassword(newPassword);
    try {
      await checkPassword(username, currentPassword, context);
    } catch (error) {
      if (isGatehouseError(error, "invalid_grant")) throw new GatehouseError("invalid_grant", "Incorrect password");
      throw error;
    }
    return users.setPassword(username, newPassword);
  };
}
