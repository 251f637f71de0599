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

/**
 * Starts two processes at once (startup is mostly waiting on module loading); if either
 * fails, stops the other before rethrowing.
 */
export async function startBoth<A extends { stop(): Promise<void> }, B extends { stop(): Promise<void> }>(
  a: Promise<A>,
  b: Promise<B>,
): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === "fulfilled" && rb.status === "fulfilled") return [ra.value, rb.value];
  await Promise.all([ra, rb].map((r) => (r.status === "fulfilled" ? r.value.stop() : undefined)));
  throw ra.status === "rejected" ? ra.reason : (rb as PromiseRejectedResult).reason;
}
