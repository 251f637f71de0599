/**
 * The store conformance suite: the tests every built-in store passes, for stores written
 * outside Gatehouse (as `@lucia-auth/adapter-test` is for Lucia). Needs vitest, an optional
 * peer dependency: install it in the project that runs the suite.
 * @example
 * // my-store.test.ts, run by vitest; createMyStore makes a fresh, empty store each time
 * import { runStoreContract } from "gatehouse/testing";
 *
 * runStoreContract("my store", () => createMyStore());
 */

export { type AttemptStores, type AttemptStoresFactory, runAttemptStoreContract } from "./attempt-contract.js";
export { runStoreContract } from "./contract.js";
export {
  expectRejectsWith,
  newFamily,
  newUser,
  rotation,
  type StoreFactory,
  signingKey,
  T0,
} from "./contract-fixtures.js";
