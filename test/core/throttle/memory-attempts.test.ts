import { createMemoryAttemptStore } from "../../../src/core/throttle/memory-attempts.js";
import { runAttemptStoreContract } from "../../stores/attempt-contract.js";

runAttemptStoreContract("memory", () => ({
  failures: createMemoryAttemptStore(),
  knownLogins: createMemoryAttemptStore(),
}));
