import { type CreateUserInput, type Gatehouse, isGatehouseError } from "../core/index.js";

/**
 * The two users of the FastAPI tutorial the project started from. Their passwords are public and
 * shorter than the policy allows, which is why only the demo may create them.
 */
export const DEMO_USERS: readonly Readonly<CreateUserInput>[] = [
  {
    username: "johndoe",
    password: "secret",
    email: "johndoe@example.com",
    fullName: "John Doe",
    disabled: false,
    scopes: ["me"],
  },
  {
    username: "alice",
    password: "secretalice",
    email: "alicechains@example.com",
    fullName: "Alice Chains",
    disabled: true,
    scopes: ["me"],
  },
];

/**
 * Adds the tutorial users that are missing and leaves existing ones untouched (whatever
 * their password or state), so running it twice changes nothing.
 * @returns the usernames it added, in {@link DEMO_USERS} order.
 * @example
 * const added = await addDemoUsers(gatehouse); // ["johndoe", "alice"] on an empty database
 */
export async function addDemoUsers(gatehouse: Pick<Gatehouse, "users">): Promise<string[]> {
  const added: string[] = [];
  for (const user of DEMO_USERS) {
    if (await gatehouse.users.get(user.username)) continue;
    try {
      await gatehouse.users.create({ ...user, scopes: [...(user.scopes ?? [])], skipPasswordPolicy: true });
      added.push(user.username);
    } catch (error) {
      // Another process (a second `demo`, or a server started with --demo) got there first.
      if (!isGatehouseError(error, "user_exists")) throw error;
    }
  }
  return added;
}
