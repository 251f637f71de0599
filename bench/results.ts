import type { LoadResult } from "./load.js";
import { median, ratio, round } from "./stats.js";

/** One side of a comparison: the median over rounds, with each round's figure kept. */
export interface Side {
  label: string;
  /** The compared figure: the median of `rounds`. */
  value: number;
  unit: string;
  rounds: number[];
  /** Medians over rounds of the per-round latency percentiles, when the side is a load run. */
  p50Ms?: number;
  p99Ms?: number;
  /** Non-2xx responses and socket errors over all rounds (a clean run has none). */
  failures?: number;
}

/** How a row's figure is judged. */
export interface Goal {
  /** `min`: ratio ≥ value; `max`: ratio ≤ value; `below`: subject < value (no baseline). */
  kind: "min" | "max" | "below";
  value: number;
  text: string;
}

/** One line of the results table. */
export interface ResultRow {
  id: string;
  scenario: string;
  subject: Side;
  baseline: Side | null;
  /** subject / baseline; null when there is no baseline. */
  ratio: number | null;
  goal: Goal;
  met: boolean;
  note?: string;
}

/** Everything one harness run wrote to its JSON file. */
export interface BenchReport {
  date: string;
  command: string;
  mode: "full" | "quick";
  settings: { rounds: number; seconds: number; warmupSeconds: number; bigUsers: number; smallUsers: number };
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string };
  rows: ResultRow[];
  notes: string[];
}

/** The median side of several load rounds, compared by requests per second. */
export function throughputSide(label: string, runs: readonly LoadResult[]): Side {
  return {
    label,
    value: round(median(runs.map((r) => r.requestsPerSecond))),
    unit: "req/s",
    rounds: runs.map((r) => round(r.requestsPerSecond)),
    p50Ms: round(median(runs.map((r) => r.p50Ms))),
    p99Ms: round(median(runs.map((r) => r.p99Ms))),
    failures: runs.reduce((sum, r) => sum + r.non2xx + r.errors, 0),
  };
}

/** The median side of several load rounds, compared by p99 latency. */
export function p99Side(label: string, runs: readonly LoadResult[]): Side {
  return {
    ...throughputSide(label, runs),
    value: round(median(runs.map((r) => r.p99Ms))),
    unit: "ms p99",
    rounds: runs.map((r) => round(r.p99Ms)),
  };
}

/** A side from plain per-round figures (startup times, verifications per second). */
export function plainSide(label: string, unit: string, rounds: readonly number[]): Side {
  return { label, value: round(median(rounds)), unit, rounds: rounds.map((v) => round(v)) };
}

/** Builds a row and judges it against its goal. */
export function compareRow(
  id: string,
  scenario: string,
  subject: Side,
  baseline: Side | null,
  goal: Goal,
  note?: string,
): ResultRow {
  const r = baseline === null ? null : round(ratio(subject.value, baseline.value));
  const met =
    goal.kind === "below"
      ? subject.value > 0 && subject.value < goal.value
      : r !== null && r > 0 && (goal.kind === "min" ? r >= goal.value : r <= goal.value);
  return { id, scenario, subject, baseline, ratio: r, goal, met, ...(note === undefined ? {} : { note }) };
}
