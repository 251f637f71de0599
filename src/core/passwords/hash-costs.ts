/**
 * The most work one stored hash may ask of a login. Every login of the user pays this cost,
 * and an unknown user's dummy hash does not, so a record past these bounds (an import, or a
 * row written into the database) could hold a hashing thread for minutes or days, or pin
 * gigabytes: it is refused at import and fails verification without any hashing.
 * Real exports (passlib, pwdlib, argon2-cffi, Django) sit far below.
 */
export const HASH_COST_LIMITS = Object.freeze({
  /** bcrypt cost (log2 of the rounds); 14 is about a second on one core. */
  bcryptCost: 14,
  /** argon2 memory in KiB (256 MiB). */
  argon2MemoryKib: 256 * 1024,
  /** argon2 passes over the memory. */
  argon2Time: 10,
  /** argon2 lanes; the format's own maximum is 2^24 − 1. */
  argon2Parallelism: 255,
  /** PBKDF2 iterations. */
  pbkdf2Rounds: 10_000_000,
});

const BCRYPT_COST = /^\$2[aby]\$(\d\d)\$/;
const ARGON2_PARAMS = /^\$argon2(?:id|i|d)\$(?:v=\d+\$)?m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,10})\$/;
const PBKDF2_ROUNDS = /^\$pbkdf2-sha256\$(\d{1,12})\$/;

/**
 * Why a stored hash asks for more work than {@link HASH_COST_LIMITS} allow, or `null` when it
 * does not (or is not a hash of these schemes at all: whether it is well-formed is checked
 * elsewhere). The reason names the parameter and the bound, never the hash.
 */
export function excessiveHashCost(storedHash: string): string | null {
  const limits = HASH_COST_LIMITS;
  const bcrypt = BCRYPT_COST.exec(storedHash);
  if (bcrypt) {
    return Number(bcrypt[1]) > limits.bcryptCost ? `a bcrypt cost above ${limits.bcryptCost}` : null;
  }
  const argon2 = ARGON2_PARAMS.exec(storedHash);
  if (argon2) {
    const [memory, time, parallelism] = argon2.slice(1).map(Number) as [number, number, number];
    if (memory > limits.argon2MemoryKib) return `an argon2 memory cost above ${limits.argon2MemoryKib} KiB (256 MiB)`;
    if (time > limits.argon2Time) return `an argon2 time cost above ${limits.argon2Time}`;
    if (parallelism > limits.argon2Parallelism) return `an argon2 parallelism above ${limits.argon2Parallelism}`;
    return null;
  }
  const pbkdf2 = PBKDF2_ROUNDS.exec(storedHash);
  if (pbkdf2) {
    return Number(pbkdf2[1]) > limits.pbkdf2Rounds ? `more than ${limits.pbkdf2Rounds} pbkdf2 rounds` : null;
  }
  // An argon2 or pbkdf2 hash whose parameters do not even parse is no hash we would run.
  if (storedHash.startsWith("$argon2") || storedHash.startsWith("$pbkdf2-sha256$")) return "unreadable cost parameters";
  return null;
}
