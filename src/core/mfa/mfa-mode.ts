/** How a server treats second factors: not at all, on request, or for everyone. */
export type MfaMode = "off" | "optional" | "required";

/** True for a valid {@link MfaMode}. */
export function isMfaMode(value: unknown): value is MfaMode {
  return value === "off" || value === "optional" || value === "required";
}

/**
 * The one scope of the token a user without a factor gets after the password when factors are
 * required: it reaches the enrolment routes and nothing else.
 */
export const MFA_ENROLMENT_SCOPE = "mfa_enrolment";
