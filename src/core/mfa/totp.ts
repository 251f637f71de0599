// otplib loads on the first enrolment or code, not with the server: most requests never need it.
let otplib: Promise<typeof import("otplib")> | undefined;
function loadOtplib(): Promise<typeof import("otplib")> {
  otplib ??= import("otplib");
  return otplib;
}

/** RFC 6238 as authenticator apps expect it: SHA-1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_SECONDS = 30;
const CODE_PATTERN = /^\d{6}$/;

/** A new random TOTP secret (160 bits, base32, as RFC 4226 §4 recommends). */
export async function generateTotpSecret(): Promise<string> {
  return (await loadOtplib()).generateSecret({ length: 20 });
}

/** The `otpauth://totp/ISSUER:USERNAME?secret=…&issuer=…` URI authenticator apps scan. */
export async function totpUri(issuer: string, username: string, secret: string): Promise<string> {
  const { generateURI } = await loadOtplib();
  return generateURI({ issuer, label: username, secret, algorithm: "sha1", digits: 6, period: TOTP_PERIOD_SECONDS });
}

/**
 * Checks a code against the secret at `nowMs`, allowing one step of clock drift either way.
 * @returns the RFC 6238 time step the code belongs to (the caller refuses steps already used),
 *   or `null` for a wrong or malformed code.
 */
export async function matchTotpCode(secret: string, code: string, nowMs: number): Promise<number | null> {
  if (!CODE_PATTERN.test(code)) return null;
  const { verify } = await loadOtplib();
  try {
    const result = await verify({
      secret,
      token: code,
      epoch: Math.floor(nowMs / 1000),
      // ±30 s at any instant of the current step reaches exactly the previous and the next step.
      epochTolerance: TOTP_PERIOD_SECONDS,
      period: TOTP_PERIOD_SECONDS,
      digits: 6,
      algorithm: "sha1",
    });
    return result.valid && "timeStep" in result ? result.timeStep : null;
  } catch {
    return null;
  }
}
