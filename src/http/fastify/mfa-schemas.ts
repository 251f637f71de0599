/** JSON Schemas of the second-factor routes (kept apart from schemas.ts: one concern per file). */

const string = { type: "string" } as const;
const password = { type: "string", minLength: 1, maxLength: 4096 } as const;
// Generous outer bounds; the core checks the exact shape of each code.
const code = { type: "string", minLength: 1, maxLength: 64 } as const;

/** POST /users/me/mfa/totp. */
export interface EnrolTotpBody {
  current_password: string;
}
export const EnrolTotpBodySchema = {
  type: "object",
  properties: { current_password: password },
  required: ["current_password"],
  additionalProperties: false,
} as const;

/** The pending enrolment, shown once. */
export const TotpEnrolmentSchema = {
  type: "object",
  properties: {
    secret: { ...string, description: "Base32 TOTP secret (SHA-1, 6 digits, 30 s)" },
    otpauth_uri: { ...string, description: "otpauth://totp/… for authenticator apps" },
    qr_svg: { ...string, description: "SVG image of the URI's QR code" },
  },
  required: ["secret", "otpauth_uri", "qr_svg"],
} as const;

/** POST /users/me/mfa/totp/confirm. */
export interface ConfirmTotpBody {
  code: string;
}
export const ConfirmTotpBodySchema = {
  type: "object",
  properties: { code },
  required: ["code"],
  additionalProperties: false,
} as const;

/** DELETE /users/me/mfa: the current password and a TOTP or recovery code. */
export interface DisableMfaBody {
  current_password: string;
  code: string;
}
export const DisableMfaBodySchema = {
  type: "object",
  properties: { current_password: password, code },
  required: ["current_password", "code"],
  additionalProperties: false,
} as const;

/** Ten recovery codes, shown once. */
export const RecoveryCodesSchema = {
  type: "object",
  properties: { recovery_codes: { type: "array", items: string, minItems: 10, maxItems: 10 } },
  required: ["recovery_codes"],
} as const;
