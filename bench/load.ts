import autocannon, { type AutocannonInstance, type AutocannonRequest, type AutocannonResult } from "autocannon";
import { percentile, sortSamples } from "./stats.js";

/** One load run against one server. */
export interface LoadOptions {
  url: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  /** Requests each connection cycles through (overrides method/headers/body per request). */
  requests?: AutocannonRequest[];
  connections: number;
  durationSeconds: number;
  /** Requests per second over all connections; absent for as fast as the server answers. */
  rate?: number;
}

/** What a load run measured; latencies are of 2xx responses only, in milliseconds. */
export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  non2xx: number;
  errors: number;
  seconds: number;
}

/** A load run that can be stopped early (for the login flood that runs under another measurement). */
export interface RunningLoad {
  result: Promise<LoadResult>;
  stop(): void;
}

/**
 * Starts autocannon in this process. Latencies are collected from its `response` events at
 * full resolution (its own histogram rounds to whole milliseconds, too coarse for a 1 ms p99).
 */
export function startLoad(options: LoadOptions): RunningLoad {
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  let instance: AutocannonInstance | undefined;
  const result = new Promise<LoadResult>((resolve, reject) => {
    instance = autocannon(
      {
        url: options.url,
        method: options.method ?? "GET",
        headers: options.headers ?? {},
        ...(options.body === undefined ? {} : { body: options.body }),
        ...(options.requests === undefined ? {} : { requests: options.requests }),
        connections: options.connections,
        duration: options.durationSeconds,
        ...(options.rate === undefined ? {} : { overallRate: options.rate }),
        pipelining: 1,
        timeout: 30,
      },
      (error, raw) => {
        if (error) reject(error);
        else resolve(summarise(raw, latencies, Number(process.hrtime.bigint() - started) / 1e9));
      },
    );
    instance.on("response", (_client, statusCode, _bytes, ms) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(ms);
    });
  });
  return { result, stop: () => instance?.stop() };
}

/** Runs a load to its end. */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  return startLoad(options).result;
}

function summarise(raw: AutocannonResult, latencies: number[], wallSeconds: number): LoadResult {
  const sorted = sortSamples(latencies);
  const seconds = raw.duration > 0 ? raw.duration : wallSeconds;
  return {
    requestsPerSecond: seconds > 0 ? sorted.length / seconds : 0,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    ok: sorted.length,
    non2xx: raw.non2xx,
    errors: raw.errors + raw.timeouts,
    seconds,
  };
}
