import type { Clock } from "../clock.js";
import { GatehouseError } from "../errors.js";
import type { AuditEvents, MfaStore, StoredTotpFactor } from "../store.js";
import type { LoginThrottle } from "../throttle/login-throttle.js";
import { hashRecoveryCode, type MfaKeys } from "./mfa-keys.js";
import { normalizeRecoveryCode } from "./recovery-codes.js";
import { openSecret } from "./secret-box.js";
import { matchTotpCode } from "./totp.js";

/** A second-factor code as a client sends it: from the authenticator app, or a recovery code. */
export type SecondFactorCode = { kind: "otp"; code: string } | { kind: "recovery_code"; code: string };

/** Said of every wrong, reused or malformed code, whichever it was. */
export const WRONG_CODE = "The code is wrong or has been used already";

/** Checks codes against a user's factor, through the login throttle. */
export interface CodeCheck {
  /**
   * Accepts a TOTP code at most once (its step must be later than the last accepted one) or
   * uses up a recovery code; `usedRecoveryCode` records when one was used.
   * @throws GatehouseError `invalid_grant` for a wrong code (counted by the throttle),
   *   `throttled`/`overloaded` past the throttle's allowance.
   */
  check(
    factor: StoredTotpFactor,
    code: SecondFactorCode,
    clientAddress: string,
    usedRecoveryCode?: AuditEvents,
  ): Promise<void>;
  /** The first code of a pending factor: its time step, or `invalid_grant` (throttled the same way). */
  checkPending(factor: StoredTotpFactor, code: string, clientAddress: string): Promise<number>;
}

/** What {@link createCodeCheck} needs. */
export interface CodeCheckOptions {
  store: MfaStore;
  keys: MfaKeys;
  clock: Clock;
  /** The login throttle: a wrong code counts per account and per address like a wrong password. */
  throttle: LoginThrottle | null;
}

/** Creates the code check. */
export function createCodeCheck({ store, keys, clock, throttle }: CodeCheckOptions): CodeCheck {
  const guarded = <T>(username: string, clientAddress: string, work: () => Promise<T>) =>
    throttle === null ? work() : throttle.guard(username, clientAddress, work);
  // The second factor is what a new address must show while the username is under attack
  // (past its per-username limit): a right code gets through that limit, and the address
  // becomes one the user logged in from. The per-address limits still apply first.
  const secondStep = <T>(username: string, clientAddress: string, work: () => Promise<T>) =>
    throttle === null
      ? work()
      : throttle.guard(username, clientAddress, work, {
          underAttack: {
            noticed: () => undefined,
            passed: async (result) => {
              await throttle.rememberLogin(username, clientAddress);
              return result;
            },
          },
        });
  const wrong = () => new GatehouseError("invalid_grant", WRONG_CODE);

  return {
    check: (factor, code, clientAddress, usedRecoveryCode) =>
      secondStep(factor.username, clientAddress, async () => {
        if (factor.confirmedAt === null) throw wrong();
        if (code.kind === "otp") {
          const secret = openSecret(keys.secretKey, factor.username, factor.secretCiphertext);
          const step = await matchTotpCode(secret, code.code, clock.now());
          // The store's compare-and-set refuses a step already used, also between processes.
          if (step === null || !(await store.acceptTotpTimeStep(factor.username, step))) throw wrong();
          return;
        }
        const normalized = normalizeRecoveryCode(code.code);
        if (normalized === null) throw wrong();
        const hash = hashRecoveryCode(keys.recoveryCodeKey, factor.username, normalized);
        if (!(await store.consumeRecoveryCode(factor.username, hash, clock.now(), usedRecoveryCode))) throw wrong();
      }),

    checkPending: (factor, code, clientAddress) =>
      guarded(factor.username, clientAddress, async () => {
        const secret = openSecret(keys.secretKey, factor.username, factor.secretCiphertext);
        const step = await matchTotpCode(secret, code, clock.now());
        if (step === null) throw wrong();
        return step;
      }),
  };
}
