import { createMemoryAttemptStore } from "../../../src/core/throttle/memory-attempts.js";
import { runAttemptStoreContract } from "../../../src/testing/index.js";

runAttemptStoreContract("memory", () => ({
  failures: createMemoryAttemptStore(),
  knownLogins: createMemoryAttemptStore(),
}));
