/**
 * A session's `amr` as a stored refresh token carries it: present only when it is more than
 * the password (`["pwd"]`), so a password-only session reads as it did before second factors.
 */
export function sessionAmr(amr: string[]): { amr?: string[] } {
  return amr.length === 1 && amr[0] === "pwd" ? {} : { amr };
}
