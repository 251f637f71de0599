/**
 * Runs baseline and subject alternately (baseline, subject, baseline, subject…) so that
 * drift on a shared, noisy machine hits both sides alike.
 */
export async function alternate<B, S>(
  rounds: number,
  baseline: (round: number) => Promise<B>,
  subject: (round: number) => Promise<S>,
): Promise<{ baseline: B[]; subject: S[] }> {
  const result: { baseline: B[]; subject: S[] } = { baseline: [], subject: [] };
  for (let round = 0; round < rounds; round++) {
    result.baseline.push(await baseline(round));
    result.subject.push(await subject(round));
  }
  return result;
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
