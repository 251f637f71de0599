import type { AuditContext } from "../audit/audit-event.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { Clock } from "../clock.js";
import { GatehouseError, isGatehouseError } from "../errors.js";
import type { CheckPassword, PasswordCheckContext } from "../passwords/check-password.js";
import type { GatehouseStore } from "../store.js";
import type { CodeCheck, SecondFactorCode } from "./code-check.js";
import { hashRecoveryCode, type MfaKeys } from "./mfa-keys.js";
import { generateRecoveryCodes } from "./recovery-codes.js";
import { removeSecondFactor } from "./remove-factor.js";
import { sealSecret } from "./secret-box.js";
import { generateTotpSecret, totpUri } from "./totp.js";

/** A pending enrolment, shown to the user once: the secret, its otpauth URI and a QR code of it. */
export interface TotpEnrolment {
  secret: string;
  otpauthUri: string;
  /** An SVG image of the URI's QR code. */
  qrSvg: string;
}

/** Where a self-service request came from: for the throttle and the audit log. */
export type MfaRequestContext = PasswordCheckContext & { audit?: AuditContext };

/** Enrolment, recovery codes and removal of a user's second factor. */
export interface MfaService {
  /** Starts (or restarts) an enrolment after checking the current password through the throttle. */
  enrolTotp(username: string, currentPassword: string, context: MfaRequestContext): Promise<TotpEnrolment>;
  /** The first valid code turns the factor on; returns the recovery codes (shown once, stored hashed). */
  confirmTotp(username: string, code: string, context: MfaRequestContext): Promise<string[]>;
  /** Removes the factor after the current password and a TOTP or recovery code. */
  disable(username: string, currentPassword: string, code: string, context: MfaRequestContext): Promise<void>;
  /** New recovery codes; the old ones die. The caller checks the request passed a second factor. */
  regenerateRecoveryCodes(username: string, context?: AuditContext): Promise<string[]>;
  /**
   * Removes a user's factor without any code (an admin, the CLI: a lost phone).
   * @returns false when the user had none.
   * @throws GatehouseError `user_not_found`.
   */
  remove(username: string, context: AuditContext): Promise<boolean>;
}

/** What {@link createMfaService} needs. */
export interface MfaServiceOptions {
  store: GatehouseStore;
  clock: Clock;
  audit: AuditLog;
  keys: MfaKeys;
  codes: CodeCheck;
  checkPassword: CheckPassword;
  /** The issuer authenticator apps show. */
  issuer: string;
}

/** Creates the second-factor service. */
export function createMfaService(options: MfaServiceOptions): MfaService {
  const { store, clock, audit, keys, codes, checkPassword } = options;

  const reauthenticate = async (username: string, password: string, context: MfaRequestContext) => {
    try {
      return await checkPassword(username, password, context);
    } catch (error) {
      if (isGatehouseError(error, "invalid_grant")) throw new GatehouseError("invalid_grant", "Incorrect password");
      throw error;
    }
  };
  const confirmedFactor = async (username: string) => {
    const factor = await store.findTotpFactor(username);
    if (factor === null || factor.confirmedAt === null) {
      throw new GatehouseError("mfa_not_enabled", "No second factor is enabled");
    }
    return factor;
  };
  const newCodes = (username: string) => {
    const plain = generateRecoveryCodes();
    return { plain, hashes: plain.map((code) => hashRecoveryCode(keys.recoveryCodeKey, username, code)) };
  };

  return {
    async enrolTotp(username, currentPassword, context) {
      const user = await reauthenticate(username, currentPassword, context);
      if (user.mfaEnabled === true)
        throw new GatehouseError("mfa_already_enabled", "A second factor is already enabled");
      const secret = await generateTotpSecret();
      const stored = await store.savePendingTotpFactor(
        user.username,
        sealSecret(keys.secretKey, user.username, secret),
        clock.now(),
      );
      if (!stored) throw new GatehouseError("mfa_already_enabled", "A second factor is already enabled");
      const otpauthUri = await totpUri(options.issuer, user.username, secret);
      // The QR library loads on the first enrolment, not with the server.
      const { default: QRCode } = await import("qrcode");
      const qrSvg = await QRCode.toString(otpauthUri, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
      return { secret, otpauthUri, qrSvg };
    },

    async confirmTotp(username, code, context) {
      const factor = await store.findTotpFactor(username);
      if (factor === null) throw new GatehouseError("mfa_not_enabled", "Start an enrolment first");
      if (factor.confirmedAt !== null) {
        throw new GatehouseError("mfa_already_enabled", "A second factor is already enabled");
      }
      const timeStep = await codes.checkPending(factor, code, context.clientAddress);
      const recovery = newCodes(factor.username);
      const confirmed = await store.confirmTotpFactor(
        factor.username,
        { timeStep, recoveryCodeHashes: recovery.hashes, now: clock.now() },
        audit.event("mfa.enrolled", {
          username: factor.username,
          ...(context.audit === undefined ? {} : { context: context.audit }),
          details: { method: "totp" },
        }),
      );
      if (!confirmed) throw new GatehouseError("mfa_already_enabled", "A second factor is already enabled");
      return recovery.plain;
    },

    async disable(username, currentPassword, code, context) {
      const user = await reauthenticate(username, currentPassword, context);
      const factor = await confirmedFactor(user.username);
      const second: SecondFactorCode = /^\d{6}$/.test(code) ? { kind: "otp", code } : { kind: "recovery_code", code };
      await codes.check(factor, second, context.clientAddress);
      await store.deleteMfa(
        user.username,
        clock.now(),
        audit.event("mfa.removed", {
          username: user.username,
          ...(context.audit === undefined ? {} : { context: context.audit }),
          details: { method: "totp" },
        }),
      );
    },

    async regenerateRecoveryCodes(username, context) {
      const factor = await confirmedFactor(username);
      const recovery = newCodes(factor.username);
      const replaced = await store.replaceRecoveryCodes(
        factor.username,
        recovery.hashes,
        // No event type of its own: recorded as an enrolment of new recovery codes.
        audit.event("mfa.enrolled", {
          username: factor.username,
          ...(context === undefined ? {} : { context }),
          details: { method: "recovery_codes", regenerated: true },
        }),
      );
      if (!replaced) throw new GatehouseError("mfa_not_enabled", "No second factor is enabled");
      return recovery.plain;
    },

    remove: (username, context) => removeSecondFactor({ store, clock, audit }, username, context),
  };
}
