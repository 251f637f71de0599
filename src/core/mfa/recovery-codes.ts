import { randomInt } from "node:crypto";

/** How many recovery codes a user gets at a time. */
export const RECOVERY_CODE_COUNT = 10;
// Crockford-style: no 0/O, 1/I/L, so a code copied from paper reads back right.
const ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz";
const GROUP = 5;

/** Ten new recovery codes, `xxxxx-xxxxx` (about 49 bits each). */
export function generateRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    let code = "";
    for (let i = 0; i < GROUP * 2; i++) {
      if (i === GROUP) code += "-";
      code += ALPHABET[randomInt(ALPHABET.length)];
    }
    return code;
  });
}

/**
 * A recovery code as typed, brought to the generated form (case, spaces and dashes do not
 * matter); `null` for anything that cannot be one.
 */
export function normalizeRecoveryCode(input: string): string | null {
  if (input.length > 64) return null;
  const compact = input.toLowerCase().replace(/[\s-]/g, "");
  if (compact.length !== GROUP * 2 || ![...compact].every((char) => ALPHABET.includes(char))) return null;
  return `${compact.slice(0, GROUP)}-${compact.slice(GROUP)}`;
}
