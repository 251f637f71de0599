import { GatehouseError } from "../errors.js";
import type { StoredUser, UserStore } from "../store.js";
import { usernameKey } from "./user.js";

/** The scope that makes a user an administrator. */
export const ADMIN_SCOPE = "admin";

/** What a write does to a user, as far as being an admin goes: new scopes or disabled flag, or removal. */
export type AdminChange = { scopes?: readonly string[]; disabled?: boolean } | "remove";

/** Keeps at least one enabled admin: the API has no other way back once the last one is gone. */
export interface LastAdminGuard {
  /**
   * Runs `write` unless `change` would take the last enabled admin away (demote, disable,
   * delete), which throws `last_admin` without writing. Writes that could do so run one at a
   * time in this process, so two admins demoting each other at once cannot both succeed.
   */
  run<T>(username: string | null, change: AdminChange, write: () => Promise<T>): Promise<T>;
  /** True when some enabled user holds the admin scope. */
  hasEnabledAdmin(): Promise<boolean>;
}

const LAST_ADMIN = "This is the last enabled admin: it cannot lose the admin scope, be disabled or be deleted";
const PAGE = 500;

/** Creates the guard over the user store. */
export function createLastAdminGuard(store: Pick<UserStore, "findUserByUsername" | "listUsers">): LastAdminGuard {
  let tail: Promise<unknown> = Promise.resolve();

  /** The first enabled admin other than `exceptKey`, by scanning pages (admin changes are rare). */
  const findEnabledAdmin = async (exceptKey: string | null): Promise<StoredUser | null> => {
    let cursor: string | null = null;
    do {
      const page = await store.listUsers({ limit: PAGE, cursor });
      const admin = page.users.find((user) => isEnabledAdmin(user) && usernameKey(user.username) !== exceptKey);
      if (admin !== undefined) return admin;
      cursor = page.nextCursor;
    } while (cursor !== null);
    return null;
  };

  return {
    run(username, change, write) {
      if (username === null || !couldTakeAdminAway(change)) return write();
      const next = tail.then(async () => {
        const target = await store.findUserByUsername(username);
        if (target !== null && isEnabledAdmin(target) && !staysEnabledAdmin(target, change)) {
          if ((await findEnabledAdmin(usernameKey(target.username))) === null) {
            throw new GatehouseError("last_admin", LAST_ADMIN);
          }
        }
        return write();
      });
      tail = next.catch(() => undefined);
      return next;
    },
    hasEnabledAdmin: async () => (await findEnabledAdmin(null)) !== null,
  };
}

/** True when the user is enabled and holds the admin scope. */
export function isEnabledAdmin(user: Pick<StoredUser, "disabled" | "scopes">): boolean {
  return !user.disabled && user.scopes.includes(ADMIN_SCOPE);
}

function couldTakeAdminAway(change: AdminChange): boolean {
  if (change === "remove") return true;
  return change.disabled === true || (change.scopes !== undefined && !change.scopes.includes(ADMIN_SCOPE));
}

function staysEnabledAdmin(user: StoredUser, change: AdminChange): boolean {
  if (change === "remove") return false;
  return isEnabledAdmin({ disabled: change.disabled ?? user.disabled, scopes: [...(change.scopes ?? user.scopes)] });
}
