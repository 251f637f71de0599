import { createMemoryAttemptStore } from "../../src/core/memory-attempts.js";
import { runAttemptStoreContract } from "./attempt-contract.js";

runAttemptStoreContract("memory", () => ({
  failures: createMemoryAttemptStore(),
  knownLogins: createMemoryAttemptStore(),
}));
