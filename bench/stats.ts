/** The value below which a fraction `q` (0–1) of the samples fall (nearest rank). */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

/** The median of the values (mean of the middle two for an even count); 0 for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Sorts latency samples once so that several percentiles can be read. */
export function sortSamples(samples: readonly number[]): Float64Array {
  return Float64Array.from(samples).sort();
}

/** `subject / baseline`, or 0 when the baseline is 0. */
export function ratio(subject: number, baseline: number): number {
  return baseline === 0 ? 0 : subject / baseline;
}

/** Rounds to a few significant digits for the report. */
export function round(value: number, digits = 3): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  const scale = 10 ** Math.max(0, digits - Math.ceil(Math.log10(Math.abs(value))));
  return Math.round(value * scale) / scale;
}
