import type { PasswordHasher } from "../../src/core/index.js";
import { createTestHasher } from "./fixtures.js";

/** The test hasher, counting the password checks it runs (real and dummy) so tests can say "no hash was spent". */
export function createCountingHasher(inner: PasswordHasher = createTestHasher()): PasswordHasher & {
  readonly checks: { verify: number; verifyDummy: number };
} {
  const checks = { verify: 0, verifyDummy: 0 };
  return {
    checks,
    queue: inner.queue,
    hash: (password) => inner.hash(password),
    needsRehash: (stored) => inner.needsRehash(stored),
    warmUp: () => inner.warmUp(),
    verify(password, stored) {
      checks.verify++;
      return inner.verify(password, stored);
    },
    verifyDummy(password) {
      checks.verifyDummy++;
      return inner.verifyDummy(password);
    },
  };
}
