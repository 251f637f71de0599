import { availableParallelism } from "node:os";
import { ConfigError } from "../config.js";

// More workers than this only adds memory: each is a whole server with its own caches.
const MAX_WORKERS = 64;

/**
 * The number of server processes for `--workers` / `GATEHOUSE_WORKERS`: a whole number from 1,
 * or `auto` for one per core. Absent: 1 (a single process, no cluster).
 * @throws ConfigError naming the setting the value came from.
 */
export function resolveWorkerCount(value: string | undefined, source: string): number {
  if (value === undefined || value === "") return 1;
  if (value === "auto") return Math.min(availableParallelism(), MAX_WORKERS);
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_WORKERS) {
    throw new ConfigError(`${source} must be a whole number from 1 to ${MAX_WORKERS}, or auto (got ${value})`);
  }
  return Number(value);
}
